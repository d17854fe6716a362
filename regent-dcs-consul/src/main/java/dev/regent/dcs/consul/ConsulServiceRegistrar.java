package dev.regent.dcs.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code register_service}: keeps this node registered as a service of the local Consul agent, as Patroni's
 * {@code update_service} does. Service name = the scope made DNS-safe, id {@code <scope>/<name>}, address and port
 * from {@code conn_url}, tags = {@code service_tags} + the role ({@code primary} also tagged {@code master},
 * {@code replica}, {@code standby-leader}), an HTTP check of the REST API's role endpoint
 * ({@code <api_url host>/<role>}) every {@code service_check_interval}, deregistered by the agent after 10 x the
 * session TTL critical. Registered again whenever role, state, api_url or conn_url change (only while the state is
 * {@code running}); deregistered when the state is {@code stopped}. A failed call is tried again at the next
 * session renewal. Thread-safe.
 */
final class ConsulServiceRegistrar {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulServiceRegistrar.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FIELDS = List.of("role", "api_url", "conn_url", "state");

    private final ConsulHttp http;
    private final ConsulConfig config;
    private final LongSupplier sessionTtlSeconds;
    private String scope;  // guarded by this
    private String name;
    private Map<String, String> last;
    private String lastSession;
    private boolean failed;
    private String registeredId;
    private boolean warnedName;

    ConsulServiceRegistrar(ConsulHttp http, ConsulConfig config, LongSupplier sessionTtlSeconds) {
        this.http = http;
        this.config = config;
        this.sessionTtlSeconds = sessionTtlSeconds;
    }

    /** Patroni's service name: lower case, {@code . _} and space to {@code -}, others to {@code uNNNN}, 230 chars. */
    static String serviceName(String scope) {
        StringBuilder sb = new StringBuilder();
        for (char c : scope.toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                sb.append(c);
            } else if (c == '.' || c == ' ' || c == '_') {
                sb.append('-');
            } else {
                sb.append(String.format(Locale.ROOT, "u%04d", (int) c));
            }
        }
        return sb.length() > 230 ? sb.substring(0, 230) : sb.toString();
    }

    /**
     * The member key of {@code name} in cluster {@code scope} was written with {@code memberJson} on
     * {@code session}. A new session means the member key was created anew: registered again even when nothing
     * changed (as Patroni compares against no previous data then).
     */
    synchronized void memberWritten(String scope, String name, String memberJson, String session) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        try {
            JsonNode n = JSON.readTree(memberJson);
            for (String f : FIELDS) {
                if (!n.hasNonNull(f)) {
                    LOG.warn("Could not register service: not enough params in member data");
                    return;
                }
                fields.put(f, n.get(f).asText());
            }
        } catch (IOException e) {
            return;
        }
        if (!failed && fields.equals(last) && scope.equals(this.scope) && name.equals(this.name)
                && Objects.equals(session, lastSession)) {
            return;
        }
        this.lastSession = session;
        this.scope = scope;
        this.name = name;
        this.last = fields;
        failed = !apply();
    }

    /** Tries a failed registration again (Patroni forces the update after a failure). */
    synchronized void retryIfFailed() {
        if (failed && last != null) failed = !apply();
    }

    /** Deregisters the service this store registered, if any (the node stops). */
    synchronized void deregister() {
        if (registeredId == null) return;
        try {
            deregister(registeredId);
        } catch (DcsException e) {
            LOG.warn("Could not deregister service {}: {}", registeredId, e.getMessage());
        }
    }

    private boolean apply() {
        String role = last.get("role").replace('_', '-');
        String state = last.get("state");
        String id = scope + "/" + name;
        try {
            if (state.equals("stopped")) {
                deregister(id);
                return true;
            }
            if (!List.of("master", "primary", "replica", "standby-leader").contains(role)) {
                LOG.warn("Could not register service: unknown role type {}", role);
                return true;
            }
            if (!state.equals("running")) return true;
            register(id, role);
            return true;
        } catch (DcsException | RuntimeException e) {
            LOG.warn("Could not update the Consul service {}: {}", id, e.getMessage());
            return false;
        }
    }

    private void register(String id, String role) throws DcsException {
        String service = serviceName(scope);
        if (!service.equals(scope) && !warnedName) {
            warnedName = true;
            LOG.warn("Using {} as consul service name instead of scope name {}", service, scope);
        }
        URI api = URI.create(last.get("api_url"));
        URI conn = URI.create(last.get("conn_url"));
        List<String> tags = new ArrayList<>(config.serviceTags());
        tags.add(role);
        if (role.equals("master")) tags.add("primary");
        if (role.equals("primary")) tags.add("master");
        ObjectNode body = JSON.createObjectNode().put("Name", service).put("ID", id);
        if (conn.getHost() != null) body.put("Address", conn.getHost());
        if (conn.getPort() > 0) body.put("Port", conn.getPort());
        ObjectNode check = body.putObject("Check");
        check.put("HTTP", api.getScheme() + "://" + api.getRawAuthority() + "/" + role)
                .put("Interval", config.serviceCheckInterval())
                .put("DeregisterCriticalServiceAfter", sessionTtlSeconds.getAsLong() * 10 + "s");
        if (config.serviceCheckTlsServerName() != null) {
            check.put("TLSServerName", config.serviceCheckTlsServerName());
        }
        tags.forEach(body.putArray("Tags")::add);
        body.put("EnableTagOverride", true);
        LOG.info("Register service {}, params {}", service, body);
        ConsulHttp.Answer a = http.callAgent("PUT", "/v1/agent/service/register", Map.of(), body.toString());
        if (!a.ok()) {
            throw new DcsException("the agent refused to register service " + id + ": HTTP " + a.status() + " "
                    + a.body().strip());
        }
        registeredId = id;
    }

    private void deregister(String id) throws DcsException {
        LOG.info("Deregister service {}", id);
        ConsulHttp.Answer a = http.callAgent("PUT", "/v1/agent/service/deregister/" + ConsulHttp.encodeKey(id),
                Map.of(), null);
        if (!a.ok() && a.status() != 404) {
            throw new DcsException("the agent refused to deregister service " + id + ": HTTP " + a.status() + " "
                    + a.body().strip());
        }
        if (Objects.equals(id, registeredId)) registeredId = null;
    }
}
