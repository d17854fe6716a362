package dev.regent.core.model;

import java.util.Set;

/**
 * The {@code sync} key: which members are synchronous standbys of which leader.
 *
 * @param version      DCS version for compare-and-set
 * @param leader       primary the state belongs to, or null
 * @param syncStandbys members currently acknowledged as synchronous
 * @param quorum       quorum value (quorum mode), 0 otherwise
 */
public record SyncState(long version, String leader, Set<String> syncStandbys, int quorum) {
    public SyncState {
        syncStandbys = syncStandbys == null ? Set.of() : Set.copyOf(syncStandbys);
    }

    public boolean matches(String name) {
        return name != null && (name.equals(leader) || syncStandbys.contains(name));
    }
}
