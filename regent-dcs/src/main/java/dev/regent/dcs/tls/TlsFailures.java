package dev.regent.dcs.tls;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLException;

/** Words for a failed HTTP(S) request to a store, naming the configuration keys to check. */
public final class TlsFailures {
    private TlsFailures() {}

    /**
     * {@code e} as an operator should read it. A TLS failure says so and names the settings. With TLS 1.3 a server that
     * requires a client certificate checks it after the client considers the handshake done, so a missing or untrusted
     * client certificate may reach the client only as a connection closed before any answer: on https that is
     * reported as a failed handshake too. A plain http request that got no answer at all (what a server speaking TLS
     * does with it) suggests https.
     *
     * @param section the configuration section, e.g. {@code etcd3}
     */
    public static String describe(String section, URI base, IOException e) {
        String keys = "check " + section + ".protocol, cacert, cert and key";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) return "TLS handshake failed (" + keys + "): " + ssl.getMessage();
        }
        if (closedWithoutAnswer(e)) {
            if ("https".equals(base.getScheme())) {
                return "TLS handshake failed (" + keys + "): the server closed the connection without an answer, as"
                        + " one that requires a client certificate does when none or an untrusted one is sent (" + e
                        + ")";
            }
            return e + " (an https endpoint? check " + section + ".protocol)";
        }
        return e.toString();
    }

    private static boolean closedWithoutAnswer(IOException e) {
        String m = String.valueOf(e.getMessage());
        return e instanceof EOFException || m.contains("received no bytes") || m.contains("Connection reset");
    }
}
