package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.testkit.ManualTicker;
import dev.regent.time.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Raft client's resends after transient refusals, at the pace of the Ratis client's own retries. */
class RaftRetryPolicyTest {
    @Test
    void eachSendWaitsForWhatIsLeftAndResendsEvery100msWhileTwoPausesRemain() {
        RetryPolicy p = RaftKeyValueStore.retryPolicy(Duration.ofSeconds(1));
        assertThat(p.attemptTimeout(Duration.ofMillis(700))).isEqualTo(Duration.ofMillis(700));
        assertThat(p.attemptTimeout(Duration.ZERO)).isEqualTo(Duration.ofMillis(1));

        ManualTicker time = new ManualTicker();
        assertThatThrownBy(() -> p.run(time, time, t -> {
            time.advance(Duration.ofMillis(50));  // each refusal takes 50 ms to come back
            return RetryPolicy.Outcome.retry("LeaderNotReadyException", null);
        }, last -> new IllegalStateException(last.reason() + " after " + last.attempts() + " sends")))
                .hasMessage("LeaderNotReadyException after 7 sends");
        // refusals end at 50, 200, ..., 800 ms (a pause each: 200 ms or more left), the 7th at 950 ms gives up
        assertThat(time.sleeps()).hasSize(6).containsOnly(Duration.ofMillis(100));
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(950));
    }
}
