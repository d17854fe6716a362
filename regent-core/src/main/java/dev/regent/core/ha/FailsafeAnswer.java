package dev.regent.core.ha;

/**
 * One member's answer to the primary's {@code POST /failsafe} (Patroni's {@code _FailsafeResponse}).
 *
 * @param member   the member asked
 * @param accepted it answered 200 with the body {@code Accepted}: it agrees that the caller keeps running as primary
 * @param lsn      its received/replayed location from the {@code lsn} header, or null when absent
 */
public record FailsafeAnswer(String member, boolean accepted, Long lsn) {
    /** No answer (connection refused, timeout, garbage) counts as a refusal, as in Patroni. */
    public static FailsafeAnswer none(String member) {
        return new FailsafeAnswer(member, false, null);
    }
}
