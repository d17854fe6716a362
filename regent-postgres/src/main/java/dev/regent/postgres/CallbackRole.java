package dev.regent.postgres;

/** The role argument Patroni passes to a callback script ({@code <script> <action> <role> <scope>}). */
public enum CallbackRole {
    PRIMARY("primary"), REPLICA("replica"),
    /** The lock holder of a standby cluster, a replica of the remote primary. */
    STANDBY_LEADER("standby_leader"),
    /** A former primary that stopped being one (Patroni's post_recover and demote). */
    DEMOTED("demoted");

    private final String patroniName;

    CallbackRole(String patroniName) {
        this.patroniName = patroniName;
    }

    /** The word the script receives. */
    public String patroniName() {
        return patroniName;
    }
}
