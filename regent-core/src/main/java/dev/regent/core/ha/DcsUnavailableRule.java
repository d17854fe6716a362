package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.Demote;

/**
 * The DCS could not be read in this cycle (Patroni's _handle_dcs_error, §6.7). A running primary that is not paused
 * demotes {@code offline}: without the DCS it can not know whether its lock still stands. Replicas keep running.
 * With failsafe mode on, {@link FailsafeRule#decideDcsDown} decides instead.
 */
final class DcsUnavailableRule {
    static final String MESSAGE = "DCS is not accessible";

    private DcsUnavailableRule() {}

    static Decision decide(Ctx c) {
        if (FailsafeRule.enabled(c.config())) return FailsafeRule.decideDcsDown(c);
        if (!c.paused() && c.pg.isPrimary()) {
            return c.decide("demoting self because DCS is not accessible and I was a leader",
                    new Demote(Demote.Mode.OFFLINE, null));
        }
        return c.decide(MESSAGE);
    }
}
