package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.ledger.DecisionBook;
import dev.regent.daemon.wiring.StatusPublisher;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.PgStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The HA loop hands every cycle's decision to its observer (the decision ledger): a running primary in an initialized
 * cluster without a leader takes the lock, which the ledger records once; an observer that throws disturbs nothing.
 */
class HaLoopDecisionObserverTest {
    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger loopLogger = (Logger) LoggerFactory.getLogger(HaLoop.class);
    private HaLoop loop;

    @BeforeEach
    void primaryWithoutLeaderKey() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(dcs.initialize(true, "7000000000000000001")).isTrue();
        log.start();
        loopLogger.addAppender(log);
        StatusPublisher status = new StatusPublisher("batman", "pg0", () -> new PgStatus(false, 5_000L, null, null, 1,
                null, OffsetDateTime.now(), 150004, "7000000000000000001", "", List.of(), Map.of()));
        loop = new HaLoop("pg0", dcs, new HaLoopUnsupportedConfigTest.RunningPrimary(), HaDecider::decide,
                new Settings(), new PeerProber(), new MemberDataBuilder("postgres://127.0.0.1:5432/postgres",
                "http://127.0.0.1:8008/patroni", "4.1.4"), status, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        loopLogger.detachAppender(log);
        loop.close();
        dcs.close();
    }

    @Test
    void theLedgerRecordsTheLockTakenOnce() throws Exception {
        DecisionBook book = new DecisionBook(null, "pg0", 10);
        loop.setDecisionObserver(book);
        for (int i = 0; i < 3; i++) loop.cycle();
        assertThat(dcs.load().isLeader("pg0")).isTrue();
        assertThat(book.entries()).hasSize(1);
        assertThat(book.entries().get(0).summary()).startsWith("pg0 won the leader race and kept running as primary: "
                + "the cluster had no leader lock; my WAL ");
        assertThat(book.entries().get(0).cycle()).isEqualTo(1);
        assertThat(book.counts()).containsEntry("leader_race_won", 1L);
    }

    @Test
    void anObserverThatThrowsDisturbsNothing() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        loop.setDecisionObserver((in, d, failed, outcome) -> {
            seen.add(d.message());
            throw new IllegalStateException("a bug in the ledger");
        });
        loop.cycle();
        loop.cycle();
        assertThat(seen).hasSize(2);
        assertThat(dcs.load().isLeader("pg0")).as("the lock was taken and kept").isTrue();
        assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("could not record the decision in the ledger",
                        "could not record the decision in the ledger");
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg0", 30, 10, 10, Map.of(), false, true, false, false, cfg);
        }

        @Override
        public String bootstrapDcsJson() {
            return null;
        }

        @Override
        public Duration startTimeout(HaSettings settings) {
            return Duration.ofSeconds(60);
        }
    }
}
