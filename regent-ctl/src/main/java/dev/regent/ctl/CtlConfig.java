package dev.regent.ctl;

import dev.regent.core.config.ConfigValue;
import dev.regent.core.config.PatroniValues;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.daemon.config.EnvConfig;
import dev.regent.daemon.tls.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What regentctl needs from the configuration, resolved like patronictl: a node's YAML or a ctl-only file
 * ({@code -c}, else {@code PATRONICTL_CONFIG_FILE}, else {@code ~/.config/patroni/patronictl.yaml} when it exists),
 * {@code PATRONI_*} variables merged over it, and {@code --dcs-url} (or {@code DCS_URL}, or a {@code dcs_api} key)
 * replacing the DCS section. The file need not be a valid node configuration. Immutable.
 *
 * @param scope        default cluster name ({@code scope}), or null
 * @param namespace    DCS namespace, default {@code /service}
 * @param dcsType      DCS section name ({@code etcd3}, {@code raft}, ...), or null when none is configured
 * @param dcsSection   that section's keys
 * @param restUser     basic-auth user for members' REST APIs ({@code ctl.authentication}, else
 *                     {@code restapi.authentication}), or null
 * @param restPassword its password
 * @param insecure     skip TLS verification ({@code ctl.insecure} or {@code -k})
 * @param pgUser       superuser name from {@code postgresql.authentication.superuser}, or null
 * @param pgPassword   its password, or null
 * @param pgDatabase   {@code postgresql.database}, or null
 * @param tls          TLS of calls to members: {@code ctl.cacert} (else {@code restapi.cafile}), {@code ctl.certfile},
 *                     {@code keyfile}, {@code keyfile_password}, and {@code insecure}
 */
public record CtlConfig(String scope, String namespace, String dcsType, Map<String, Object> dcsSection,
                        String restUser, String restPassword, boolean insecure, String pgUser, String pgPassword,
                        String pgDatabase, ClientTls tls) {
    private static final List<String> DCS_TYPES = List.of("etcd", "etcd3", "consul", "zookeeper", "exhibitor",
            "kubernetes", "raft");
    private static final Map<String, Integer> DEFAULT_PORTS = defaultPorts();

    public CtlConfig {
        dcsSection = dcsSection == null ? Map.of() : Map.copyOf(dcsSection);
        tls = tls == null ? new ClientTls(insecure, null, null, null, null) : tls;
    }

    /**
     * Resolves the configuration.
     *
     * @param configFile the {@code -c} value, or null
     * @param dcsUrl     the {@code --dcs-url} value, or null
     * @param insecure   {@code -k}
     * @param env        the environment
     */
    public static CtlConfig resolve(String configFile, String dcsUrl, boolean insecure, Map<String, String> env) {
        Path path = configPath(configFile, env);
        ConfigValue tree;
        try {
            tree = path == null ? ConfigValue.emptyMap("defaults") : ConfigLoader.readPath(path);
        } catch (IOException | RuntimeException e) {
            throw new CtlException("cannot read configuration " + path + ": " + oneLine(e.getMessage()));
        }
        EnvConfig.Result fromEnv = EnvConfig.from(env);
        tree = tree.mergedWith(fromEnv.tree());
        Map<String, Object> root = tree.toPlainMap();
        String url = dcsUrl != null ? dcsUrl : env.get("DCS_URL") != null ? env.get("DCS_URL")
                : str(root.get("dcs_api"));
        if (url != null && !url.isBlank()) applyDcsUrl(root, url);
        String type = DCS_TYPES.stream().filter(root::containsKey).findFirst().orElse(null);
        Map<String, Object> section = type == null ? Map.of() : map(root.get(type));
        // regentctl runs on the environment it is given: the Kubernetes store finds its API server from it
        if ("kubernetes".equals(type)) section.put(dev.regent.dcs.kubernetes.KubeConnection.ENVIRONMENT_KEY, env);
        Map<String, Object> ctl = map(root.get("ctl"));
        Map<String, Object> auth = map(ctl.get("authentication"));
        if (auth.get("username") == null) auth = map(map(root.get("restapi")).get("authentication"));
        Map<String, Object> pg = map(root.get("postgresql"));
        Map<String, Object> su = map(map(pg.get("authentication")).get("superuser"));
        boolean ins = insecure || Boolean.TRUE.equals(PatroniValues.parseBool(ctl.get("insecure")));
        String cacert = str(ctl.get("cacert")) != null ? str(ctl.get("cacert"))
                : str(map(root.get("restapi")).get("cafile"));  // Patroni's fallback
        String ns = str(root.get("namespace"));
        return new CtlConfig(str(root.get("scope")), ns == null ? "/service" : ns, type, section,
                str(auth.get("username")), str(auth.get("password")), ins, str(su.get("username")),
                str(su.get("password")), str(pg.get("database")), new ClientTls(ins, cacert, str(ctl.get("certfile")), str(ctl.get("keyfile")), str(ctl.get("keyfile_password"))));
    }

    /** {@code -c}, else {@code PATRONICTL_CONFIG_FILE}, else the default file when it exists (null when not). */
    static Path configPath(String configFile, Map<String, String> env) {
        String explicit = configFile != null ? configFile : env.get("PATRONICTL_CONFIG_FILE");
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Path.of(explicit);
            if (!Files.isReadable(p)) {
                throw new CtlException("Provided config file " + explicit
                        + " not existing or no read rights. Check the -c/--config-file parameter");
            }
            return p;
        }
        Path p = defaultConfigPath(env);
        return Files.isReadable(p) ? p : null;
    }

    /** {@code $XDG_CONFIG_HOME/patroni/patronictl.yaml}, default {@code ~/.config/patroni/patronictl.yaml}. */
    static Path defaultConfigPath(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
        return base.resolve("patroni").resolve("patronictl.yaml");
    }

    /**
     * patronictl's {@code DCS://HOST:PORT/NAMESPACE}: the scheme is guessed from the port when omitted (default
     * etcd); the section replaces every DCS section of the file; a path sets the namespace.
     */
    static void applyDcsUrl(Map<String, Object> root, String url) {
        if (url.startsWith("kubernetes://")) {
            applyKubernetesUrl(root, url.substring("kubernetes://".length()).replaceAll("[/:].*$", ""));
            return;
        }
        URI u;
        try {
            u = URI.create(url.contains("//") ? url : "//" + url);
        } catch (IllegalArgumentException e) {
            throw new CtlException("Invalid DCS URL: " + url);
        }
        String scheme = u.getScheme();
        int port = u.getPort();
        if (scheme == null || scheme.isEmpty()) {
            scheme = DEFAULT_PORTS.entrySet().stream().filter(e -> e.getValue() == port).map(Map.Entry::getKey)
                    .findFirst().orElse("etcd");
        } else if (!DEFAULT_PORTS.containsKey(scheme)) {
            throw new CtlException("Unknown dcs scheme: " + scheme);
        }
        String hostName = u.getHost() == null ? "localhost" : u.getHost();
        int effectivePort = port > 0 ? port : DEFAULT_PORTS.get(scheme);
        String host = hostName + ":" + effectivePort;
        Map<String, Object> section = new LinkedHashMap<>();
        switch (scheme) {
            case "zookeeper" -> section.put("hosts", List.of(host));
            case "exhibitor" -> {  // patronictl: exhibitor: {hosts: [HOST], port: PORT}
                section.put("hosts", List.of(hostName));
                section.put("port", effectivePort);
            }
            default -> section.put("host", host);
        }
        DCS_TYPES.forEach(root::remove);
        root.put(scheme, section);
        if (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/")) {
            root.put("namespace", u.getPath());
        }
    }

    /**
     * {@code kubernetes://[NAMESPACE]}, a Regent extension (patronictl 3.0.2 knows no such scheme): the file's
     * {@code kubernetes:} section (labels, ...) in Kubernetes namespace NAMESPACE, or {@code labels:
     * {application: patroni}} (Patroni's examples) when the file has none; the API server is found as the daemon
     * finds it (in a Pod, else the kubeconfig).
     */
    private static void applyKubernetesUrl(Map<String, Object> root, String namespace) {
        Map<String, Object> section = map(root.get("kubernetes"));
        if (!namespace.isEmpty()) section.put("namespace", namespace);
        if (!section.containsKey("labels")) section.put("labels", Map.of("application", "patroni"));
        DCS_TYPES.forEach(root::remove);
        root.put("kubernetes", section);
    }

    private static Map<String, Integer> defaultPorts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("etcd", 2379);
        m.put("etcd3", 2379);
        m.put("consul", 8500);
        m.put("zookeeper", 2181);
        m.put("exhibitor", 8181);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
    }
}
