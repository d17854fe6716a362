package dev.regent.dcs.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.naming.NamingException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's etcd SRV discovery ({@code srv}, {@code srv_suffix}): the SRV names {@code _etcd-client-ssl},
 * {@code _etcd-client}, {@code _etcd-ssl}, {@code _etcd}, {@code _etcd-server-ssl}, {@code _etcd-server} (each with
 * {@code -<srv_suffix>} appended when set) under {@code _tcp.<srv>} are asked in that order and the first that yields
 * endpoints wins. A name with {@code -ssl} gives {@code https} URLs. Client records are the endpoints themselves;
 * server records name peer ports, whose {@code GET /members} lists the members' client URLs (asked without checking the
 * peer's certificate, as Patroni does with {@code verify=False}; the client URLs found are then checked as usual).
 * Stateless; thread-safe; blocks on DNS and HTTP.
 */
public final class EtcdSrvDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdSrvDiscovery.class);
    private static final List<String> KINDS = List.of("-client-ssl", "-client", "-ssl", "", "-server-ssl", "-server");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Resolves one SRV name. */
    @FunctionalInterface
    public interface Lookup {
        List<DnsSrv.Target> lookup(String name) throws NamingException;
    }

    /** Reads the client URLs from a peer's {@code /members} answer. */
    @FunctionalInterface
    public interface MembersFetch {
        List<String> clientUrls(URI members, Duration timeout) throws IOException, InterruptedException;
    }

    private EtcdSrvDiscovery() {}

    /** The SRV names asked for {@code srv} with {@code suffix} (null for none), in Patroni's order. */
    public static List<String> names(String srv, String suffix) {
        List<String> out = new ArrayList<>();
        for (String kind : KINDS) out.add("_etcd" + withSuffix(kind, suffix) + "._tcp." + srv);
        return out;
    }

    /** The client URLs found for {@code srv} through the system's (or {@value DnsSrv#SERVER_PROPERTY}'s) resolver. */
    public static List<URI> discover(String srv, String suffix, Duration timeout) throws InterruptedException {
        return discover(srv, suffix, timeout, DnsSrv::lookup, EtcdSrvDiscovery::fetchMembers);
    }

    /**
     * The client URLs of the first SRV name (in Patroni's order) that yields any, without duplicates; empty when none
     * does (a warning names {@code srv}). A failing lookup or {@code /members} request counts as no answer.
     */
    public static List<URI> discover(String srv, String suffix, Duration timeout, Lookup lookup, MembersFetch fetch)
            throws InterruptedException {
        for (String kind : KINDS) {
            String name = "_etcd" + withSuffix(kind, suffix) + "._tcp." + srv;
            String protocol = withSuffix(kind, suffix).contains("-ssl") ? "https" : "http";
            boolean server = withSuffix(kind, suffix).contains("-server");
            Set<URI> found = new LinkedHashSet<>();
            List<DnsSrv.Target> targets;
            try {
                targets = lookup.lookup(name);
            } catch (NamingException e) {
                LOG.debug("SRV lookup of {} failed: {}", name, e.toString());
                continue;
            }
            for (DnsSrv.Target t : targets) {
                URI url = URI.create(protocol + "://" + hostForUri(t.host()) + ":" + t.port());
                if (!server) {
                    found.add(url);
                    continue;
                }
                URI members = url.resolve("/members");
                try {
                    for (String u : fetch.clientUrls(members, timeout)) found.add(URI.create(strip(u)));
                    break;  // one peer's list is the cluster's
                } catch (IOException | IllegalArgumentException e) {
                    LOG.error("GET {} failed: {}", members, e.toString());
                }
            }
            if (!found.isEmpty()) {
                LOG.debug("etcd endpoints from SRV {}: {}", name, found);
                return List.copyOf(found);
            }
        }
        LOG.warn("Can not resolve SRV for {}", srv);
        return List.of();
    }

    private static String withSuffix(String kind, String suffix) {
        return suffix == null || suffix.isEmpty() ? kind : kind + "-" + suffix;
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** {@code GET /members} on an etcd peer port: a JSON array of members, each with {@code clientURLs}. */
    static List<String> fetchMembers(URI members, Duration timeout) throws IOException, InterruptedException {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout);
        if ("https".equals(members.getScheme())) b.sslContext(unverified());
        HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(members).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) throw new IOException("HTTP " + r.statusCode());
        List<String> out = new ArrayList<>();
        JsonNode list = MAPPER.readTree(r.body());
        for (JsonNode member : list) member.path("clientURLs").forEach(u -> out.add(u.asText()));
        return out;
    }

    /** A context that accepts any server certificate and name: only for Patroni's unverified peer-port lookup. */
    private static SSLContext unverified() throws IOException {
        TrustManager acceptAll = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {acceptAll}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for the peer lookup", e);
        }
    }
}
