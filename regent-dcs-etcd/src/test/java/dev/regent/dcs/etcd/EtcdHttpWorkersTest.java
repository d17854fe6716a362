package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The etcd client's worker pool holds no thread while idle and never queues (the JDK's default pool, shorter-lived). */
class EtcdHttpWorkersTest {
    @Test
    void workersAreStartedOnDemandAndEndWhenIdle() throws Exception {
        ThreadPoolExecutor workers = EtcdHttp.workers();
        try {
            assertThat(workers.getPoolSize()).isZero();
            assertThat(workers.getCorePoolSize()).as("no thread is kept while idle").isZero();
            assertThat(workers.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(EtcdHttp.WORKER_IDLE_SECONDS);
            // two tasks that wait for each other need two threads at once: the pool hands off, never queues
            CountDownLatch both = new CountDownLatch(2);
            CountDownLatch done = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                workers.execute(() -> {
                    both.countDown();
                    try {
                        if (both.await(30, TimeUnit.SECONDS)) done.countDown();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(workers.getLargestPoolSize()).isEqualTo(2);
        } finally {
            workers.shutdownNow();
        }
    }
}
