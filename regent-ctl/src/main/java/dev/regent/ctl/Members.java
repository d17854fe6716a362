package dev.regent.ctl;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Member selection as in patronictl: role filters ({@code leader}, {@code primary}, {@code standby-leader},
 * {@code replica}, {@code standby}, {@code any}; {@code master} accepted as {@code primary}) and the
 * leader-first order used when any reachable member will do. Stateless.
 */
public final class Members {
    public static final Set<String> ROLES = Set.of("leader", "primary", "standby-leader", "replica", "standby", "any",
            "master");

    private Members() {}

    /** Validates a {@code -r/--role} value (usage error when unknown). */
    public static String role(String role) {
        if (role == null) return null;
        if (!ROLES.contains(role)) {
            throw new CtlException("Invalid value for '--role' / '-r': '" + role + "' is not one of 'leader', "
                    + "'primary', 'standby-leader', 'replica', 'standby', 'any'.", 2);
        }
        return role.equals("master") ? "primary" : role;
    }

    /** patronictl's {@code get_all_members}. */
    public static List<Member> withRole(ClusterView c, String role) {
        List<Member> out = new ArrayList<>();
        if (Set.of("leader", "primary", "standby-leader").contains(role)) {
            if (c.leader() == null) return out;
            Member m = c.member(c.leader().name()).orElse(c.leader().member());
            String r = m.data().normalizedRole();
            boolean standby = "standby_leader".equals(r);
            if (role.equals("leader") || role.equals("primary") && !standby
                    || role.equals("standby-leader") && !"primary".equals(r)) {
                out.add(m);
            }
            return out;
        }
        String leader = c.leader() == null ? null : c.leader().name();
        for (Member m : c.members()) {
            if (role.equals("any") || !m.name().equals(leader)) out.add(m);
        }
        return out;
    }

    /** First member with {@code role}, optionally with the given name; null when none. */
    public static Member any(ClusterView c, String role, String name) {
        if (name != null && role == null) return c.member(name).orElse(null);
        return withRole(c, role).stream().filter(m -> name == null || m.name().equals(name)).findFirst()
                .orElse(null);
    }

    /** Leader first, then the other members that publish an api_url (patronictl's leader-first order). */
    public static List<Member> leaderFirst(ClusterView c) {
        List<Member> out = new ArrayList<>();
        String leader = null;
        if (c.leader() != null) {
            Member m = c.member(c.leader().name()).orElse(c.leader().member());
            if (m.apiUrl() != null) {
                out.add(m);
                leader = m.name();
            }
        }
        for (Member m : c.members()) {
            if (m.apiUrl() != null && !m.name().equals(leader)) out.add(m);
        }
        return out;
    }
}
