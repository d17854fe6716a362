package dev.regent.dcs.raft;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis clients whose retries end with the caller's budget. Ratis' default client retries forever, and an ordered
 * client keeps resending a request after the caller gave up; a write that "timed out" for Patroni (say a leader key
 * renewal) could then land much later. Here a request is retried (every {@value #RETRY_SLEEP_MS} ms, towards
 * whichever peer leads) only until {@code budget} after it was created, then it fails for good, so its effect can
 * apply at most about one RPC timeout after the caller's {@code DcsException}. Stateless.
 */
final class RaftClients {
    static final long RETRY_SLEEP_MS = 100;

    private RaftClients() {}

    /** How long one RPC of a client with {@code budget} waits for its reply: half the budget, 0.5-3 s. */
    static Duration rpcTimeout(Duration budget) {
        return Duration.ofMillis(Math.max(500, Math.min(3_000, budget.toMillis() / 2)));
    }

    /** Client properties for {@code budget}: one RPC waits at most {@link #rpcTimeout}. */
    static RaftProperties properties(Duration budget) {
        RaftProperties props = new RaftProperties();
        long rpcMs = rpcTimeout(budget).toMillis();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(rpcMs, TimeUnit.MILLISECONDS));
        RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(props, false);  // a stray watch, not needed
        return props;
    }

    static RetryPolicy retryPolicy(Duration budget) {
        TimeDuration timeout = TimeDuration.valueOf(budget.toMillis(), TimeUnit.MILLISECONDS);
        RetryPolicy sleep = RetryPolicies.retryForeverWithSleep(
                TimeDuration.valueOf(RETRY_SLEEP_MS, TimeUnit.MILLISECONDS));
        RequestTypeDependentRetryPolicy.Builder b = RequestTypeDependentRetryPolicy.newBuilder();
        for (TypeCase type : new TypeCase[] {TypeCase.WRITE, TypeCase.READ, TypeCase.STALEREAD, TypeCase.WATCH}) {
            b.setRetryPolicy(type, sleep).setTimeout(type, timeout);
        }
        return b.build();
    }

    /**
     * A client builder for {@code group} with {@code tls} and retries bounded by {@code budget}, whose first request
     * goes to {@code first}. Always name it: without one Ratis starts at the peer that last answered any client of
     * the group in this JVM (a static cache), which after a partition is the cut-off old leader.
     */
    static RaftClient.Builder builder(RaftGroup group, PeerTls tls, Duration budget, RaftPeerId first) {
        return RaftClient.newBuilder().setRaftGroup(group).setLeaderId(first).setParameters(tls.parameters())
                .setProperties(properties(budget)).setRetryPolicy(retryPolicy(budget));
    }
}
