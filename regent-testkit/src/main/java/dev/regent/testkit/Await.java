package dev.regent.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for a condition on real servers, checked every 100 ms. */
public final class Await {
    private Await() {}

    /**
     * Returns once {@code cond} holds; a condition that throws counts as not yet (a server still starting), and the
     * last exception is the cause of the {@link AssertionError} thrown when {@code timeout} has passed.
     */
    public static void until(String what, Duration timeout, BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (cond.getAsBoolean()) return;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted", e);
            }
        }
        throw new AssertionError("timed out waiting for " + what + (last == null ? "" : ": " + last), last);
    }
}
