package dev.regent.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Which finished tasks bring the loop's next cycle forward. */
class BackgroundSlotTest {

    @Test
    void noThreadIsHeldBeforeTheFirstTask() throws Exception {
        try (BackgroundSlot slot = new BackgroundSlot(() -> { })) {
            assertEquals(0, slot.threads());
            java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
            assertTrue(slot.submit("rewind", () -> {
                ran.countDown();
                return new BackgroundRunner.Result(UnaryOperator.identity(), true);
            }, UnaryOperator.identity()));
            assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, slot.threads(), "the task's thread stays for the next one until it has been idle");
        }
    }

    @Test
    void aCompletedTaskWakesTheLoop() throws Exception {
        assertWakes(() -> new BackgroundRunner.Result(UnaryOperator.identity(), true), true, true);
    }

    @Test
    void aTaskWhosePreconditionWasUnmetLeavesTheLoopAtItsPace() throws Exception {
        // e.g. a rewind whose source does not answer: retried at the next regular cycle, not every few milliseconds
        assertWakes(() -> new BackgroundRunner.Result(UnaryOperator.identity(), false), true, false);
    }

    @Test
    void aTaskThatThrewLeavesTheLoopAtItsPace() throws Exception {
        assertWakes(() -> {
            throw new IllegalStateException("pg_rewind failed");
        }, false, false);
    }

    @Test
    void aTaskReportsWhatItIsDoingUntilItEnds() throws Exception {
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (BackgroundSlot slot = new BackgroundSlot(() -> { })) {
            assertTrue(slot.submit("bootstrap", () -> {
                slot.reportState("running custom bootstrap script");
                reported.countDown();
                release.await();
                return new BackgroundRunner.Result(UnaryOperator.identity(), true);
            }, UnaryOperator.identity()));
            assertTrue(reported.await(5, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals("bootstrap", slot.running(), "the decider still sees the task's name");
            assertEquals("running custom bootstrap script", slot.runningState());
            assertEquals("running custom bootstrap script",
                    MemberDataBuilder.state(new dev.regent.core.ha.LocalPostgres(
                            dev.regent.core.ha.LocalPostgres.ProcessState.STOPPED, false, null, null, null, 0, 0,
                            null, null, null, null, null), slot.runningState()));
            release.countDown();
            for (int i = 0; i < 500 && slot.running() != null; i++) Thread.sleep(10);
            assertEquals(null, slot.runningState());
            java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(1);
            assertTrue(slot.submit("restart", () -> {
                second.await();
                return new BackgroundRunner.Result(UnaryOperator.identity(), true);
            }, UnaryOperator.identity()));
            assertEquals("restart", slot.runningState(), "a new task starts without the last one's state");
            second.countDown();
        }
    }

    private static void assertWakes(BackgroundRunner.Task task, boolean ok, boolean wakes) throws Exception {
        AtomicInteger wakeUps = new AtomicInteger();
        try (BackgroundSlot slot = new BackgroundSlot(wakeUps::incrementAndGet)) {
            assertTrue(slot.submit("rewind", task, UnaryOperator.identity()));
            BackgroundRunner.Finished finished = null;
            for (int i = 0; i < 500 && finished == null; i++) {
                finished = slot.takeFinished();
                if (finished == null) Thread.sleep(10);
            }
            assertNotNull(finished, "the task never finished");
            assertEquals(ok, finished.ok());
            assertEquals(wakes, finished.wakesLoop());
            for (int i = 0; i < 500 && slot.running() != null; i++) Thread.sleep(10);
            // The slot runs tasks one after another on one thread: once a second, completed task has woken the
            // loop, the first task's wake-up (or its absence) is settled.
            assertTrue(slot.submit("start", () -> new BackgroundRunner.Result(UnaryOperator.identity(), true),
                    UnaryOperator.identity()));
            int expected = wakes ? 2 : 1;
            for (int i = 0; i < 500 && wakeUps.get() < expected; i++) Thread.sleep(10);
            assertEquals(expected, wakeUps.get());
        }
    }
}
