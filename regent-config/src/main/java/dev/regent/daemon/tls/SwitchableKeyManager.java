package dev.regent.daemon.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager whose certificate can be replaced while its SSLContext serves: each new handshake uses the current
 * delegate (certificates reloaded on SIGHUP). Thread-safe.
 */
final class SwitchableKeyManager extends X509ExtendedKeyManager {
    private volatile X509ExtendedKeyManager delegate;

    SwitchableKeyManager(X509ExtendedKeyManager delegate) {
        this.delegate = delegate;
    }

    void set(X509ExtendedKeyManager d) {
        delegate = d;
    }

    @Override public String[] getClientAliases(String t, Principal[] i) { return delegate.getClientAliases(t, i); }

    @Override public String chooseClientAlias(String[] t, Principal[] i, Socket s) {
        return delegate.chooseClientAlias(t, i, s);
    }

    @Override public String[] getServerAliases(String t, Principal[] i) { return delegate.getServerAliases(t, i); }

    @Override public String chooseServerAlias(String t, Principal[] i, Socket s) {
        return delegate.chooseServerAlias(t, i, s);
    }

    @Override public X509Certificate[] getCertificateChain(String alias) { return delegate.getCertificateChain(alias); }

    @Override public PrivateKey getPrivateKey(String alias) { return delegate.getPrivateKey(alias); }

    @Override public String chooseEngineClientAlias(String[] t, Principal[] i, SSLEngine e) {
        return delegate.chooseEngineClientAlias(t, i, e);
    }

    @Override public String chooseEngineServerAlias(String t, Principal[] i, SSLEngine e) {
        return delegate.chooseEngineServerAlias(t, i, e);
    }
}
