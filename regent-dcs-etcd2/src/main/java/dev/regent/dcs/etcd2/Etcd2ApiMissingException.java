package dev.regent.dcs.etcd2;

import dev.regent.dcs.DcsException;
import java.net.URI;

/**
 * etcd answered {@code 404 page not found} (not a v2 "key not found" error) under {@code /v2/keys}: the server does
 * not serve the v2 API at all. etcd 3.4 and 3.5 serve it only when started with {@code --enable-v2}; etcd 3.6
 * removed it. Retrying does not help, so this is reported at once.
 */
public final class Etcd2ApiMissingException extends DcsException {
    public Etcd2ApiMissingException(URI endpoint) {
        super(message(endpoint));
    }

    static String message(URI endpoint) {
        return "etcd at " + endpoint + " does not serve the v2 API (HTTP 404 on /v2/keys) that the 'etcd:' section "
                + "uses: etcd 3.6 removed it, and etcd 3.4/3.5 serve it only when started with --enable-v2. Use an "
                + "'etcd3:' section instead (Patroni's etcd3 module and Regent's etcd3 store, same keys), or start "
                + "etcd 3.4/3.5 with --enable-v2";
    }
}
