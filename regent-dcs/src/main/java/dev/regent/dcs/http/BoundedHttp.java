package dev.regent.dcs.http;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a hard deadline for the stores that talk HTTP (etcd v2, Consul). The request's own timeout
 * only bounds the wait for response headers; a server that stalls while sending the body, or a connect that hangs,
 * would hold the caller past its retry budget, so the whole exchange is awaited with {@code timeout} and cancelled
 * after it. Thread-safe (as the client).
 */
public final class BoundedHttp {
    private BoundedHttp() {}

    /**
     * Sends {@code request} and returns its answer with a UTF-8 body.
     *
     * @throws HttpTimeoutException "no answer within N ms" when the whole exchange takes longer than {@code timeout}
     * @throws IOException          when the exchange fails (connection refused, reset, TLS handshake, ...)
     * @throws InterruptedException when the caller is interrupted (the exchange is cancelled)
     */
    public static HttpResponse<String> send(HttpClient http, HttpRequest request, Duration timeout)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            return pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        }
    }
}
