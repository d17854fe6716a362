package dev.regent.core.sync;

import java.util.Set;

/**
 * One write the quorum resolver asks for; its fields are the new state.
 *
 * @param type   {@link Type#SYNC}: set {@code synchronous_standby_names} to {@code ANY num (names)};
 *               {@link Type#QUORUM}: write {@code /sync} as {@code {leader, sync_standby: names, quorum: num}};
 *               {@link Type#RESTART}: stop here and run the resolver again on fresh observations
 * @param leader the {@code /sync} leader after the write
 * @param num    confirmations a commit waits for ({@code SYNC}) or the quorum value ({@code QUORUM})
 * @param names  the listed standbys ({@code SYNC}) or the voters ({@code QUORUM})
 */
public record QuorumTransition(Type type, String leader, int num, Set<String> names) {
    public QuorumTransition {
        names = Names.of(names);
    }

    public enum Type { SYNC, QUORUM, RESTART }
}
