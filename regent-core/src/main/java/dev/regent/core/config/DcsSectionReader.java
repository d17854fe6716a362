package dev.regent.core.config;

import dev.regent.core.config.NodeConfig.DcsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Finds and validates the one DCS section (spec §1.7). Pure, stateless. */
final class DcsSectionReader {
    private DcsSectionReader() {}

    static DcsConfig read(Section top) {
        List<String> present = new ArrayList<>();
        for (String type : ConfigSchema.DCS_TYPES) {
            if (top.node().get(type) != null) {
                present.add(type);
            }
        }
        if (present.isEmpty()) {
            top.problems().error("", top.node(), "no DCS section: configure exactly one of "
                    + ConfigSchema.DCS_TYPES);
            return null;
        }
        if (present.size() > 1) {
            for (String type : present) {
                top.problems().error(type, top.node().get(type), "more than one DCS section configured " + present
                        + "; keep exactly one");
            }
            return null;
        }
        String type = present.get(0);
        Section s = top.child(type);
        s.warnUnknownKeys(ConfigSchema.DCS_KEYS.get(type));
        switch (type) {
            case "etcd", "etcd3" -> etcd(s);
            case "consul" -> consul(s);
            case "zookeeper" -> zookeeper(s);
            case "exhibitor" -> exhibitor(s);
            case "kubernetes" -> kubernetes(s);
            case "raft" -> raft(s);
            default -> throw new IllegalStateException(type);
        }
        return new DcsConfig(type, s.node().toPlainMap());
    }

    private static void etcd(Section s) {
        List<String> where = List.of("host", "hosts", "url", "proxy", "srv");
        if (where.stream().noneMatch(s::has)) {
            s.problems().error(s.path(), s.node(), "one of " + where + " is required");
        }
        s.hostPort("host", false, false, false);
        hostList(s, "hosts");
        s.string("url");
        s.string("proxy");
        s.string("srv");
        s.string("srv_suffix");
        s.bool("use_proxies", false);
        s.oneOf("protocol", "http", Set.of("http", "https"));
        if (s.has("username") != s.has("password")) {
            s.problems().error(s.pathOf(s.has("username") ? "password" : "username"), s.node(),
                    "username and password must be given together");
        }
    }

    private static void consul(Section s) {
        if (s.has("host") && s.string("host") != null && s.string("host").contains(":")) {
            s.hostPort("host", false, false, false);
        }
        s.integer("port", null, 1, 65535);
        s.oneOf("scheme", "http", Set.of("http", "https"));
        s.oneOf("consistency", "default", Set.of("default", "consistent", "stale"));
        s.bool("verify", null);
        s.bool("register_service", false);
        s.stringList("checks", true);
        s.stringList("service_tags", true);
        s.string("service_check_interval");
    }

    private static void zookeeper(Section s) {
        if (!s.has("hosts")) {
            s.problems().error(s.pathOf("hosts"), s.node(), "required key is missing");
        }
        hostList(s, "hosts");
        s.bool("use_ssl", false);
        s.bool("verify", true);
        s.plainMap("set_acls");
        s.plainMap("auth_data");
    }

    private static void exhibitor(Section s) {
        if (!s.has("hosts")) {
            s.problems().error(s.pathOf("hosts"), s.node(), "required key is missing");
        }
        s.stringList("hosts", true);
        if (!s.has("port")) {
            s.problems().error(s.pathOf("port"), s.node(), "required key is missing");
        }
        s.integer("port", null, 1, 65535);
        s.integer("poll_interval", 300L, 1, Integer.MAX_VALUE);
    }

    private static void kubernetes(Section s) {
        if (!s.has("labels")) {
            s.problems().error(s.pathOf("labels"), s.node(), "required key is missing");
        }
        s.plainMap("labels");
        s.plainMap("bootstrap_labels");
        s.bool("use_endpoints", false);
        s.bool("bypass_api_service", false);
        s.string("namespace");
        s.string("pod_ip");
        if (s.has("ports") && !s.raw("ports").isList()) {
            s.problems().error(s.pathOf("ports"), s.raw("ports"), "must be a list of {name, port} mappings");
        }
        if (s.has("retriable_http_codes")) {
            ConfigValue codes = s.raw("retriable_http_codes");
            for (ConfigValue c : codes.isList() ? codes.items() : List.of(codes)) {
                if (PatroniValues.parseInt(c.value()) == null) {
                    s.problems().error(s.pathOf("retriable_http_codes"), c, "must be an integer or list of integers");
                }
            }
        }
    }

    private static void raft(Section s) {
        s.hostPort("self_addr", true, false, false);
        s.hostPort("bind_addr", false, true, false);
        List<String> partners = s.stringList("partner_addrs", true);
        if (partners != null) {
            for (String p : partners) {
                String problem = PatroniValues.hostPortProblem(p, false, false);
                if (problem != null) {
                    s.problems().error(s.pathOf("partner_addrs"), s.raw("partner_addrs"), problem);
                }
            }
        }
        s.string("data_dir");
        raftPassword(s, "password");
        raftPassword(s, "client_password");
        s.bool("insecure", false);
        s.integer("client_port_offset", null, 1, 64_511);
        for (String file : List.of("certfile", "keyfile", "cafile", "client_cafile")) s.string(file);
    }

    /**
     * {@code raft.password}: a non-empty string, or (Regent's extension, for a rotation) a non-empty list of them;
     * present but empty or null is an error, never "no password" (the store also refuses plaintext off loopback).
     */
    private static void raftPassword(Section s, String key) {
        if (!s.node().entries().containsKey(key)) return;
        ConfigValue v = s.node().entries().get(key);
        String empty = "must not be empty: omit raft." + key + " to run without one"
                + (key.equals("password") ? " (loopback addresses only)" : "");
        if (v == null || v.isNull() || (v.isScalar() && v.text().isEmpty())) {
            s.problems().error(s.pathOf(key), v == null ? s.node() : v, empty);
        } else if (v.isList()) {
            List<String> all = s.stringList(key, false);
            if (all != null && (all.isEmpty() || all.stream().anyMatch(String::isEmpty))) {
                s.problems().error(s.pathOf(key), v, empty);
            }
        } else if (!v.isScalar()) {
            s.problems().error(s.pathOf(key), v, "must be a string or a list of strings, got "
                    + Section.describe(v));
        }
    }

    /** {@code hosts}: a list or comma separated string of {@code host:port}. */
    private static void hostList(Section s, String key) {
        List<String> hosts = s.stringList(key, true);
        if (hosts == null) {
            return;
        }
        for (String h : hosts) {
            String problem = PatroniValues.hostPortProblem(h, false, false);
            // zookeeper hosts may omit the port (default 2181)
            if (problem != null && !(s.path().equals("zookeeper") && !h.contains(":"))) {
                s.problems().error(s.pathOf(key), s.raw(key), problem);
            }
        }
        if (hosts.isEmpty()) {
            s.problems().error(s.pathOf(key), s.raw(key), "must not be empty");
        }
    }
}
