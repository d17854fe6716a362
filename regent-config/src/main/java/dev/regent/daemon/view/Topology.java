package dev.regent.daemon.view;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * patronictl's {@code topology_sort}: the leader first, then replicas under their {@code replicatefrom} parent
 * (or the leader), names indented {@code "+ name"} two spaces per level below the first. Stateless.
 */
final class Topology {
    private Topology() {}

    static List<Map<String, Object>> sort(List<Map<String, Object>> members) {
        Map<String, Object> leader = members.stream().filter(m -> ((String) m.get("role")).endsWith("leader"))
                .findFirst().orElse(null);
        String leaderName = leader == null ? null : (String) leader.get("name");
        Set<Object> replicas = members.stream().filter(m -> m != leader).map(m -> m.get("name"))
                .collect(Collectors.toSet());
        Map<String, List<Map<String, Object>>> children = new LinkedHashMap<>();
        for (Map<String, Object> m : members) {
            if (m == leader) continue;
            Object parent = m.get("replicatefrom");
            String p = parent != null && !parent.equals(m.get("name")) && replicas.contains(parent)
                    ? parent.toString() : leaderName;
            children.computeIfAbsent(p, k -> new ArrayList<>()).add(m);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        if (leader != null) {
            walk(0, leader, children, out);
        } else {
            for (Map<String, Object> m : children.getOrDefault(null, List.of())) walk(1, m, children, out);
        }
        return out;
    }

    private static void walk(int level, Map<String, Object> m, Map<String, List<Map<String, Object>>> children,
                             List<Map<String, Object>> out) {
        Map<String, Object> copy = new LinkedHashMap<>(m);
        if (level > 0) copy.put("Member", " ".repeat((level - 1) * 2) + "+ " + m.get("name"));
        out.add(copy);
        for (Map<String, Object> c : children.getOrDefault((String) m.get("name"), List.of())) {
            walk(level + 1, c, children, out);
        }
    }
}
