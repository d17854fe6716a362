package dev.regent.dcs.kubernetes;

import dev.regent.dcs.tls.PemTls;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Where the API server is and how to authenticate, found as Patroni finds it: in a Pod (environment
 * {@code KUBERNETES_SERVICE_HOST}/{@code _PORT}, the service account's token and CA), else from a kubeconfig
 * ({@code KUBECONFIG} or {@code ~/.kube/config}). Immutable; the token supplier re-reads an in-cluster token every
 * minute (projected tokens rotate), as Patroni does.
 *
 * @param server        base URI, e.g. {@code https://10.96.0.1:443}
 * @param authorization the {@code Authorization} header value, or null
 * @param ssl           TLS context for an https server, or null for the JDK's default
 * @param source        where the settings came from, for messages
 * @param sslByAddress  the same TLS material without the server name check, for API servers reached by the IP
 *                      addresses of the {@code kubernetes} Endpoints ({@code bypass_api_service}, see
 *                      {@link AddressTls}); null for plain http
 */
public record KubeConnection(URI server, Supplier<String> authorization, SSLContext ssl, String source,
                             SSLContext sslByAddress) {
    /** A connection whose {@link #sslByAddress} is {@link #ssl} (names checked): for tests and plain http. */
    public KubeConnection(URI server, Supplier<String> authorization, SSLContext ssl, String source) {
        this(server, authorization, ssl, source, ssl);
    }

    /**
     * A section key no user writes: regentctl passes the environment it runs on (not the JVM's) under it, so that
     * {@code KUBECONFIG} and {@code KUBERNETES_SERVICE_HOST} are read from there.
     */
    public static final String ENVIRONMENT_KEY = "_environment";

    /** The service account directory of a Pod. */
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    /** Finds the connection for {@code settings} from the process environment and the user's home. */
    public static KubeConnection resolve(KubernetesSettings settings) {
        return resolve(settings, System.getenv(), Path.of(System.getProperty("user.home")), SERVICE_ACCOUNT);
    }

    /**
     * In-cluster when {@code KUBERNETES_SERVICE_HOST} and {@code _PORT} are set and the service account's token and
     * CA exist (Patroni's order), else the kubeconfig.
     *
     * @throws IllegalArgumentException neither is usable; the message says what was looked at
     */
    public static KubeConnection resolve(KubernetesSettings settings, Map<String, String> env, Path home,
                                         Path serviceAccount) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.get("KUBERNETES_SERVICE_PORT");
        String ca = env.getOrDefault("PATRONI_KUBERNETES_CACERT", settings.cacert());
        Path caPath = ca == null || ca.isEmpty() ? serviceAccount.resolve("ca.crt") : Path.of(ca);
        Path token = serviceAccount.resolve("token");
        String inCluster;
        if (host == null || host.isEmpty() || port == null || port.isEmpty()) {
            inCluster = "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set";
        } else if (!Files.isRegularFile(caPath)) {
            inCluster = "the service account CA " + caPath + " does not exist";
        } else if (!Files.isRegularFile(token)) {
            inCluster = "the service account token " + token + " does not exist";
        } else {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            return new KubeConnection(URI.create("https://" + h + ":" + port), new TokenFile(token),
                    tls(caPath, null, null, "kubernetes.cacert", false), "in-cluster service account "
                    + serviceAccount, tls(caPath, null, null, "kubernetes.cacert", true));
        }
        String kubeconfig = env.getOrDefault("KUBECONFIG", home.resolve(".kube/config").toString());
        // KUBECONFIG may list several files (':'); Patroni reads one, so does Regent: the first.
        Path file = Path.of(kubeconfig.split(":")[0]);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("kubernetes: no API server found: not in a Pod (" + inCluster
                    + ") and no kubeconfig at " + file + " (KUBECONFIG or ~/.kube/config)");
        }
        return fromKubeconfig(file, settings.context());
    }

    /** The user, cluster and server of {@code context} (null: {@code kind-kind} if present, else current-context). */
    @SuppressWarnings("unchecked")
    static KubeConnection fromKubeconfig(Path file, String context) {
        Map<String, Object> config;
        try (InputStream in = Files.newInputStream(file)) {
            Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            if (!(loaded instanceof Map<?, ?>)) throw new IllegalArgumentException("not a YAML mapping");
            config = (Map<String, Object>) loaded;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("kubeconfig " + file + ": cannot read it: " + e.getMessage(), e);
        }
        String name = context;
        if (name == null) {
            name = named(config, "context", "kind-kind") != null ? "kind-kind" : (String) config.get("current-context");
        }
        Map<String, Object> ctx = named(config, "context", name);
        if (ctx == null) {
            throw new IllegalArgumentException("kubeconfig " + file + ": no context '" + name + "'"
                    + (context == null ? " (current-context)" : " (kubernetes.context)"));
        }
        Map<String, Object> cluster = named(config, "cluster", (String) ctx.get("cluster"));
        if (cluster == null || cluster.get("server") == null) {
            throw new IllegalArgumentException("kubeconfig " + file + ": context '" + name + "' names cluster '"
                    + ctx.get("cluster") + "', which is missing or has no server");
        }
        Map<String, Object> user = ctx.get("user") == null ? Map.of() : named(config, "user", (String) ctx.get("user"));
        if (user == null) user = Map.of();
        String where = "kubeconfig " + file + " context '" + name + "'";
        URI server = URI.create(cluster.get("server").toString().replaceAll("/+$", ""));
        if (Boolean.TRUE.equals(cluster.get("insecure-skip-tls-verify"))) {
            throw new IllegalArgumentException(where + ": insecure-skip-tls-verify is not supported: Regent always"
                    + " checks the API server's certificate (give certificate-authority)");
        }
        SSLContext ssl = null;
        SSLContext sslByAddress = null;
        if ("https".equals(server.getScheme())) {
            Path ca = material(cluster, "certificate-authority", file);
            Path cert = material(user, "client-certificate", file);
            Path key = material(user, "client-key", file);
            ssl = tls(ca, cert, key, where, false);
            sslByAddress = tls(ca, cert, key, where, true);
        }
        Supplier<String> auth = null;
        if (user.get("token") != null) {
            String header = "Bearer " + user.get("token").toString().strip();
            auth = () -> header;
        } else if (user.get("tokenFile") != null || user.get("token-file") != null) {
            Object tf = user.get("tokenFile") != null ? user.get("tokenFile") : user.get("token-file");
            auth = new TokenFile(file.toAbsolutePath().getParent().resolve(tf.toString()));
        } else if (user.get("username") != null && user.get("password") != null) {
            String basic = "Basic " + Base64.getEncoder().encodeToString((user.get("username") + ":"
                    + user.get("password")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            auth = () -> basic;
        } else if (user.get("exec") != null || user.get("auth-provider") != null) {
            throw new IllegalArgumentException(where + ": exec and auth-provider users are not supported (Patroni"
                    + " does not support them either): use a token or a client certificate");
        }
        return new KubeConnection(server, auth, ssl, where, sslByAddress);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(Map<String, Object> config, String section, String name) {
        Object list = config.get(section + "s");
        if (!(list instanceof List<?> l) || name == null) return null;
        for (Object o : l) {
            if (o instanceof Map<?, ?> m && name.equals(m.get("name")) && m.get(section) instanceof Map<?, ?> v) {
                return (Map<String, Object>) v;
            }
        }
        return null;
    }

    /** {@code <key>-data} (base64, written to a private temporary file) or {@code <key>} (a path), or null. */
    private static Path material(Map<String, Object> section, String key, Path kubeconfig) {
        Object data = section.get(key + "-data");
        if (data != null) {
            try {
                Path tmp = Files.createTempFile("regent-kube-", ".pem",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                tmp.toFile().deleteOnExit();
                Files.write(tmp, Base64.getMimeDecoder().decode(data.toString()));
                return tmp;
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("kubeconfig " + kubeconfig + ": " + key + "-data: " + e.getMessage(),
                        e);
            }
        }
        Object path = section.get(key);
        return path == null ? null : kubeconfig.toAbsolutePath().getParent().resolve(path.toString());
    }

    private static SSLContext tls(Path ca, Path cert, Path key, String where, boolean byAddress) {
        try {
            return byAddress ? AddressTls.sslContext(ca, cert, key) : new PemTls(ca, cert, key, null).sslContext();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(where + ": cannot load the TLS material (" + ca + ", " + cert + ", "
                    + key + "): " + e.getMessage(), e);
        }
    }

    /** A bearer token read from a file, re-read once a minute (projected service account tokens rotate). */
    static final class TokenFile implements Supplier<String> {
        private static final Duration REFRESH = Duration.ofMinutes(1);
        private final Path path;
        private String header;
        private long readAtMillis;  // Ticker.SYSTEM's monotonic clock: a refresh interval, not a wall time

        TokenFile(Path path) {
            this.path = path;
        }

        @Override
        public synchronized String get() {
            if (header == null || Ticker.SYSTEM.monotonicMillis() - readAtMillis > REFRESH.toMillis()) {
                try {
                    String token = Files.readString(path).strip();
                    if (token.isEmpty()) throw new IOException("the file is empty");
                    header = "Bearer " + token;
                    readAtMillis = Ticker.SYSTEM.monotonicMillis();
                } catch (IOException e) {
                    if (header == null) throw new IllegalStateException("cannot read the token " + path + ": " + e, e);
                    // keep the last token, as Patroni does when the refresh fails
                }
            }
            return header;
        }
    }
}
