package dev.regent.dcs.zookeeper;

import dev.regent.dcs.DcsException;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Runs commands against the current ZooKeeper client with Patroni's retry rule: on connection loss, a timeout or an
 * expired session, try again after a backoff (100 ms doubling to 1 s) until {@code retry_timeout}, then throw
 * {@link DcsException}. Each attempt runs on a worker thread and is abandoned when the deadline passes, so a request
 * on a connection that died silently (the client notices only after two thirds of the session timeout) cannot hold
 * the caller past {@code retry_timeout}. Thread-safe.
 */
final class ZkCalls implements AutoCloseable {
    /** One attempt of a command on a client. Compare failures are results; exceptions are failures. */
    @FunctionalInterface
    interface Op<T> {
        T apply(CuratorFramework client) throws Exception;
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final SessionHolder sessions;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "regent-zookeeper-call-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    ZkCalls(SessionHolder sessions, Ticker ticker, Sleeper sleeper) {
        this.sessions = sessions;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    /** {@code op} retried until {@code retry_timeout}; {@code what} names it in the error. */
    <T> T call(String what, Op<T> op) throws DcsException {
        Duration budget = sessions.timeouts().retry();
        Deadline deadline = Deadline.after(ticker, budget);
        Duration backoff = null;
        while (true) {
            Throwable failure;
            try {
                return attempt(what, op, deadline.remaining());
            } catch (RetryableFailure e) {
                failure = e.getCause();
            }
            if (deadline.expired()) {
                throw new DcsException("ZooKeeper not reachable within retry_timeout " + budget.toSeconds() + " s"
                        + sessions.transport() + " (" + what + "; last error: " + describe(failure) + ")", failure);
            }
            backoff = ZooKeeperTimeouts.nextBackoff(backoff);
            try {
                sleeper.sleep(deadline.cap(backoff));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DcsException("interrupted while retrying ZooKeeper (" + what + ")", e);
            }
        }
    }

    /** One attempt of {@code op} within {@code timeout}; every failure is a {@link DcsException}. */
    <T> T once(Duration timeout, Op<T> op) throws DcsException {
        try {
            return attempt("watch", op, timeout);
        } catch (RetryableFailure e) {
            throw new DcsException("ZooKeeper: " + describe(e.getCause()), e.getCause());
        }
    }

    private <T> T attempt(String what, Op<T> op, Duration limit) throws DcsException, RetryableFailure {
        // creating the client (Netty, TLS) counts against the deadline too
        Future<T> f = workers.submit(() -> op.apply(connected(sessions.client(), limit)));
        try {
            return f.get(Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof DcsException d) throw d;
            if (retryable(t)) throw new RetryableFailure(t);
            throw new DcsException("ZooKeeper refused to " + what + ": " + describe(t), t);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new RetryableFailure(new TimeoutException("no answer within " + limit.toMillis() + " ms"));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted while waiting for ZooKeeper (" + what + ")", e);
        }
    }

    /**
     * Waits (within {@code limit}) until {@code client} is connected. A request made while the ZooKeeper client is
     * reconnecting would wait in its queue and be sent once the connection is back, possibly long after this call
     * gave up (a leader race reported lost that later wins): as Patroni does with kazoo, none is sent then.
     */
    private static CuratorFramework connected(CuratorFramework client, Duration limit) throws Exception {
        if (client.getZookeeperClient().isConnected()) return client;
        if (!client.blockUntilConnected((int) Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS)) {
            throw new KeeperException.ConnectionLossException();
        }
        return client;
    }

    /** Failures that another attempt may cure: the connection, the session, or a client replaced meanwhile. */
    static boolean retryable(Throwable t) {
        return t instanceof KeeperException.ConnectionLossException
                || t instanceof KeeperException.OperationTimeoutException
                || t instanceof KeeperException.SessionExpiredException
                || t instanceof KeeperException.SessionMovedException
                || t instanceof InterruptedException  // the client was closed under the call
                || t instanceof IllegalStateException;  // ditto: Curator refuses calls on a closed client
    }

    /** A failure in words for the log (no Java class names for the expected ones). */
    static String describe(Throwable t) {
        if (t == null) return "none";
        if (t instanceof KeeperException.ConnectionLossException) return "connection lost";
        if (t instanceof KeeperException.OperationTimeoutException) return "operation timed out";
        if (t instanceof KeeperException.SessionExpiredException) return "session expired";
        if (t instanceof KeeperException.SessionMovedException) return "session moved to another server";
        if (t instanceof KeeperException.NoAuthException k) return "not authorized (ACL) for " + k.getPath();
        if (t instanceof KeeperException k) return k.code().name().toLowerCase(java.util.Locale.ROOT) + " on "
                + k.getPath();
        if (t instanceof TimeoutException && t.getMessage() != null) return t.getMessage();
        if (t instanceof InterruptedException || t instanceof IllegalStateException) return "client closed";
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    /** An attempt failed in a way {@link #retryable} accepts. */
    private static final class RetryableFailure extends Exception {
        RetryableFailure(Throwable cause) {
            super(cause);
        }
    }
}
