package dev.regent.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.SyncState;
import dev.regent.core.sync.SyncStep.SetStandbyNames;
import dev.regent.core.sync.SyncStep.WriteSync;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code synchronous_mode: on}: the order of the writes, cycle by cycle. */
class MultisyncPlannerTest {

    static SyncObservation obs(String ssn, Set<String> active, Set<String> confirmed) {
        return new SyncObservation(SyncStandbyNames.parse(ssn), active, confirmed);
    }

    @Test
    void firstActivationAddsToStandbyNamesThenPublishesOnceConfirmed() {
        var plan = MultisyncPlanner.plan("pg0", null, obs("", Set.of("pg1"), Set.of()), false);
        assertThat(plan.steps()).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Enabled synchronous replication"),
                new SetStandbyNames("pg1", "Assigning synchronous standby status to ['pg1']"));
        var sync = new SyncState(1, "pg0", Set.of(), 0);
        plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of("pg1"), Set.of()), false);
        assertThat(plan.steps()).as("listed, not yet confirmed: nothing published")
                .noneMatch(s -> s instanceof WriteSync);
        plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of("pg1"), Set.of("pg1")), false);
        assertThat(plan.steps()).containsExactly(
                new SetStandbyNames("pg1", "Assigning synchronous standby status to ['pg1']"),
                new WriteSync("pg0", Set.of("pg1"), 0, "Synchronous standby status assigned to ['pg1']"));
        plan = MultisyncPlanner.plan("pg0", new SyncState(2, "pg0", Set.of("pg1"), 0),
                obs("pg1", Set.of("pg1"), Set.of("pg1")), false);
        assertThat(plan.steps()).as("steady").isEmpty();
    }

    @Test
    void swappingRemovesFromSyncKeyBeforeStandbyNames() {
        var sync = new SyncState(2, "pg0", Set.of("pg1"), 0);
        var plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of("pg2"), Set.of()), false);
        assertThat(plan.steps()).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Updating synchronous privilege temporarily from ['pg1'] to []"),
                new SetStandbyNames("pg2", "Assigning synchronous standby status to ['pg2']"));
    }

    @Test
    void growingKeepsTheConfirmedStandbyPublished() {
        var sync = new SyncState(2, "pg0", Set.of("pg1"), 0);
        var plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of("pg1", "pg2"), Set.of("pg1")), false);
        assertThat(plan.steps()).containsExactly(new SetStandbyNames("2 (pg1,pg2)",
                "Assigning synchronous standby status to ['pg1', 'pg2']"));
    }

    @Test
    void strictModeWithoutStandbysBlocksWritesWithAStar() {
        var sync = new SyncState(2, "pg0", Set.of("pg1"), 0);
        var plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of(), Set.of()), true);
        assertThat(plan.steps()).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Updating synchronous privilege temporarily from ['pg1'] to []"),
                new SetStandbyNames("*", "Assigning synchronous standby status to ['*']"));
        assertThat(plan.warnings()).containsExactly("No standbys available!");
        var held = MultisyncPlanner.plan("pg0", new SyncState(3, "pg0", Set.of(), 0), obs("*", Set.of(), Set.of()),
                true);
        assertThat(held.steps()).as("'*' already in force").isEmpty();
        assertThat(held.warnings()).as("Patroni warns each cycle writes wait")
                .containsExactly("No standbys available!");
        plan = MultisyncPlanner.plan("pg0", sync, obs("pg1", Set.of(), Set.of()), false);
        assertThat(plan.steps()).last().isEqualTo(new SetStandbyNames("",
                "Assigning synchronous standby status to []"));
    }

    @Test
    void afterPromotionTheStarIsHeldUntilAStandbyStreamsThenNonStrictModeLetsCommitsThrough() {
        var sync = new SyncState(5, "pg1", Set.of(), 0);
        assertThat(MultisyncPlanner.plan("pg1", sync, obs("*", Set.of(), Set.of()), false, true).steps())
                .as("just promoted, nobody streams yet: keep '*'").isEmpty();
        assertThat(MultisyncPlanner.plan("pg1", sync, obs("*", Set.of(), Set.of()), false, false).steps())
                .as("grace over: non-strict mode runs without standby").containsExactly(
                        new SetStandbyNames("", "Assigning synchronous standby status to []"));
        assertThat(MultisyncPlanner.plan("pg1", sync, obs("*", Set.of("pg2"), Set.of()), false, true).steps())
                .as("a standby streams: list it").containsExactly(
                        new SetStandbyNames("pg2", "Assigning synchronous standby status to ['pg2']"));
        assertThat(MultisyncPlanner.plan("pg1", sync, obs("", Set.of(), Set.of()), false, true).steps())
                .as("never introduces '*' in non-strict mode").isEmpty();
    }

    @Test
    void aForeignLeaderInTheSyncKeyIsReset() {
        var plan = MultisyncPlanner.plan("pg0", new SyncState(3, "pg9", Set.of("pg1"), 0),
                obs("pg1", Set.of("pg1"), Set.of("pg1")), false);
        assertThat(plan.warnings()).first().asString().startsWith("Inconsistent state of /sync key detected");
        assertThat(plan.steps()).first().isEqualTo(new WriteSync("pg0", Set.of(), 0, "Reset synchronous replication"
                + " key to pg0"));
        assertThat(plan.steps()).last().isEqualTo(new WriteSync("pg0", Set.of("pg1"), 0,
                "Synchronous standby status assigned to ['pg1']"));
    }

    @Test
    void promotionWritesBeforeAcceptingWrites() {
        assertThat(SyncPromotion.on("pg1")).containsExactly(
                new WriteSync("pg1", Set.of(), 0, "Enabled synchronous replication"),
                new SetStandbyNames("*", "Assigning synchronous standby status to ['*'] before promotion"));
        List<SyncStep> q = SyncPromotion.quorum("pg1", new SyncState(4, "pg0", Set.of("pg1", "pg2"), 1), false);
        assertThat(q).containsExactly(
                new WriteSync("pg1", Set.of("pg0", "pg2"), 1, "Setting leader to pg1, quorum to 1 of 2 (pg0, pg2)"),
                new SetStandbyNames("ANY 1 (pg2)", "Setting synchronous replication to 1 of 1 (pg2)"));
        assertThat(SyncPromotion.quorum("pg1", new SyncState(4, "pg0", Set.of("pg1"), 0), true)).last()
                .isEqualTo(new SetStandbyNames("ANY 1 (*)", "Setting synchronous replication to 1 of 1 (*)"));
    }
}
