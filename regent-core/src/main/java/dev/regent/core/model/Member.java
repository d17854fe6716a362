package dev.regent.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * One cluster member as published in {@code members/<name>} (Patroni's member JSON).
 *
 * @param name    member name (the key suffix)
 * @param version DCS version of the key (etcd mod_revision), used for nothing but diagnostics
 * @param session DCS session/lease the key is bound to, or null
 * @param data    the decoded member JSON; unknown fields are kept so that they survive a round trip
 */
public record Member(String name, long version, String session, MemberData data) {
    public Member {
        Objects.requireNonNull(name, "name");
        data = data == null ? MemberData.EMPTY : data;
    }

    /** A member known only from the leader key, without a member key (Patroni's "bare member"). */
    public static Member bare(String name) {
        return new Member(name, 0, null, MemberData.EMPTY);
    }

    public String connUrl() { return data.connUrl(); }
    public String apiUrl() { return data.apiUrl(); }
    public String state() { return data.state(); }
    public String role() { return data.role(); }
    public Map<String, Object> tags() { return data.tags(); }

    public boolean isRunning() { return "running".equals(data.state()); }
    /** nofailover tag or failover_priority <= 0. */
    public boolean noFailover() { return Tags.noFailover(data.tags()); }
    public int failoverPriority() { return Tags.failoverPriority(data.tags()); }
    public boolean cloneFrom() { return Tags.isTrue(data.tags().get("clonefrom")); }
    public boolean noSync() { return Tags.noSync(data.tags()); }
    public String replicateFrom() { Object v = data.tags().get("replicatefrom"); return v == null ? null : v.toString(); }
    public boolean noStream() { return Tags.isTrue(data.tags().get("nostream")); }
    /** WAL position as published: primaries their write LSN, replicas max(receive, replay). 0 when unknown. */
    public long walPosition() { return data.xlogLocation() == null ? 0 : data.xlogLocation(); }
}
