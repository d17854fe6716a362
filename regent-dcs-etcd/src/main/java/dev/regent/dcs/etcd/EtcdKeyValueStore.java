package dev.regent.dcs.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@link KeyValueStore} on etcd v3 through its JSON gRPC gateway, as Patroni's etcd3 module: JDK HttpClient plus
 * Jackson, base64 keys and values, one lease per store (TTL = ttl) created by the first ephemeral write, txn
 * compares for races and CAS. Thread-safe; calls block up to the retry timeout, {@link #awaitChange} up to its
 * timeout.
 */
public final class EtcdKeyValueStore implements KeyValueStore {
    private final EtcdHttp http;
    private Duration ttl;
    private long lease;  // 0 = none; guarded by this
    private volatile long lastRevision;

    public EtcdKeyValueStore(EtcdConfig config, Duration ttl, Duration retryTimeout) {
        this(config, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** A store whose retries and watches read time from {@code ticker} and wait with {@code sleeper}. */
    public EtcdKeyValueStore(EtcdConfig config, Duration ttl, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        this.http = new EtcdHttp(config, retryTimeout, ticker, sleeper);
        this.http.setTtl(ttl);
        this.ttl = ttl;
    }

    /** From Patroni's {@code etcd3} section; {@link IllegalArgumentException} names a bad key. */
    public static EtcdKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout) {
        return fromConfig(section, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As above, with retries and watches on {@code ticker} and {@code sleeper}. */
    public static EtcdKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                               Ticker ticker, Sleeper sleeper) {
        return new EtcdKeyValueStore(EtcdConfig.fromMap(section), ttl, retryTimeout, ticker, sleeper);
    }

    // ---- reads

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        ObjectNode body = obj().put("key", b64(prefix)).put("range_end", b64(rangeEnd(prefix)));
        JsonNode r = http.call("/v3/kv/range", body);
        noteRevision(r);
        List<KeyValue> out = new ArrayList<>();
        for (JsonNode kv : r.path("kvs")) {
            long leaseId = kv.path("lease").asLong(0);
            out.add(new KeyValue(text(kv.path("key").asText("")), text(kv.path("value").asText("")),
                    kv.path("mod_revision").asLong(), kv.path("create_revision").asLong(),
                    leaseId == 0 ? null : Long.toString(leaseId)));
        }
        return out;
    }

    /** The etcd endpoints the store talks to now (the discovered members, or the configured ones). */
    List<java.net.URI> endpoints() {
        return http.endpoints();
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    private void noteRevision(JsonNode answer) {
        long rev = answer.path("header").path("revision").asLong(0);
        if (rev > 0) lastRevision = rev;
    }

    // ---- writes

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        return withLease(ephemeral, l -> txn(compare(key, "CREATE", "create_revision", "0"), put(key, value, l), null));
    }

    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        return withLease(ephemeral, l -> txn(compare(key, "MOD", "mod_revision", Long.toString(expectedModRevision)),
                put(key, value, l), null));
    }

    /** Patroni's leader update: compare VALUE == expected then put, else a nested txn that re-creates it if absent. */
    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        return withLease(ephemeral, l -> {
            ObjectNode nested = obj();
            nested.set("compare", arr().add(compare(key, "CREATE", "create_revision", "0")));
            nested.set("success", arr().add(put(key, newValue, l)));
            ObjectNode failure = obj();
            failure.set("request_txn", nested);
            JsonNode r = call("/v3/kv/txn", txnBody(compare(key, "VALUE", "value", b64(expectedValue)),
                    put(key, newValue, l), failure));
            return r.path("succeeded").asBoolean(false)
                    || r.path("responses").path(0).path("response_txn").path("succeeded").asBoolean(false);
        });
    }

    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        withLease(ephemeral, l -> {
            call("/v3/kv/put", put(key, value, l).path("request_put").deepCopy());
            return true;
        });
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        return txn(compare(key, "VALUE", "value", b64(expectedValue)), deleteOp(key), null);
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        if (expectedModRevision == 0) return false;  // an absent key: nothing to delete
        return txn(compare(key, "MOD", "mod_revision", Long.toString(expectedModRevision)), deleteOp(key), null);
    }

    @Override
    public void delete(String key) throws DcsException {
        call("/v3/kv/deleterange", obj().put("key", b64(key)));
    }

    @Override
    public void deletePrefix(String prefix) throws DcsException {
        call("/v3/kv/deleterange", obj().put("key", b64(prefix)).put("range_end", b64(rangeEnd(prefix))));
    }

    // ---- lease (session)

    @Override
    public synchronized String keepAlive() throws DcsException {
        if (lease != 0) {
            JsonNode r = http.call("/v3/lease/keepalive", obj().put("ID", Long.toString(lease)));
            // the gateway wraps stream messages in "result"; an expired lease answers without a TTL
            if (r.path("result").path("TTL").asLong(0) > 0) return Long.toString(lease);
        }
        return Long.toString(grant());
    }

    private synchronized long grant() throws DcsException {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        JsonNode r = http.call("/v3/lease/grant", obj().put("TTL", Long.toString(seconds)));
        long id = r.path("ID").asLong(0);
        if (id == 0) throw new DcsException("etcd lease grant returned no ID: " + r);
        lease = id;
        return id;
    }

    private synchronized long currentLease() throws DcsException {
        return lease != 0 ? lease : grant();
    }

    @Override
    public synchronized String sessionId() {
        return lease == 0 ? null : Long.toString(lease);
    }

    @Override
    public synchronized void setTtl(Duration ttl) {
        if (ttl.equals(this.ttl)) return;
        this.ttl = ttl;
        http.setTtl(ttl);
        lease = 0;  // abandoned, not revoked (as Patroni): the next renewal rebinds our keys to a new lease
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        http.setRetryTimeout(retryTimeout);
    }

    @Override
    public synchronized void closeSession() throws DcsException {
        if (lease == 0) return;
        long id = lease;
        lease = 0;
        try {
            http.call("/v3/lease/revoke", obj().put("ID", Long.toString(id)));
        } catch (EtcdRequestException e) {
            if (!e.isLeaseNotFound()) throw e;
        }
    }

    // ---- watch

    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        ObjectNode create = obj().put("key", b64(prefix)).put("range_end", b64(rangeEnd(prefix)))
                .put("start_revision", Long.toString(afterRevision + 1));
        ObjectNode body = obj();
        body.set("create_request", create);
        return http.watch(body, timeout);
    }

    @Override
    public void close() {
        // the JDK 17 HttpClient has no close(); its threads end when it is collected
    }

    // ---- request building

    private interface LeaseOp {
        boolean apply(long lease) throws DcsException;
    }

    /** Run {@code op} with our lease (granting one lazily); when etcd says the lease is gone, grant anew once. */
    private boolean withLease(boolean ephemeral, LeaseOp op) throws DcsException {
        if (!ephemeral) return op.apply(0);
        long l = currentLease();
        try {
            return op.apply(l);
        } catch (EtcdRequestException e) {
            if (!e.isLeaseNotFound()) throw e;
            synchronized (this) {
                if (lease == l) lease = 0;
            }
            return op.apply(currentLease());
        }
    }

    private JsonNode call(String path, ObjectNode body) throws DcsException {
        JsonNode r = http.call(path, body);
        noteRevision(r);
        return r;
    }

    private boolean txn(ObjectNode compare, ObjectNode success, ObjectNode failure) throws DcsException {
        return call("/v3/kv/txn", txnBody(compare, success, failure)).path("succeeded").asBoolean(false);
    }

    private static ObjectNode txnBody(ObjectNode compare, ObjectNode success, ObjectNode failure) {
        ObjectNode body = obj();
        body.set("compare", arr().add(compare));
        body.set("success", arr().add(success));
        if (failure != null) body.set("failure", arr().add(failure));
        return body;
    }

    private static ObjectNode compare(String key, String target, String field, String value) {
        return obj().put("key", b64(key)).put("result", "EQUAL").put("target", target).put(field, value);
    }

    private static ObjectNode put(String key, String value, long lease) {
        ObjectNode p = obj().put("key", b64(key)).put("value", b64(value));
        if (lease != 0) p.put("lease", Long.toString(lease));
        ObjectNode op = obj();
        op.set("request_put", p);
        return op;
    }

    private static ObjectNode deleteOp(String key) {
        ObjectNode op = obj();
        op.set("request_delete_range", obj().put("key", b64(key)));
        return op;
    }

    private static ObjectNode obj() {
        return EtcdHttp.MAPPER.createObjectNode();
    }

    private static ArrayNode arr() {
        return EtcdHttp.MAPPER.createArrayNode();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static String text(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    /** etcd's prefix range end: the prefix with its last byte below 0xff incremented (and the rest cut). */
    static byte[] rangeEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if ((b[i] & 0xff) < 0xff) {
                byte[] end = Arrays.copyOf(b, i + 1);
                end[i]++;
                return end;
            }
        }
        return new byte[] {0};
    }
}
