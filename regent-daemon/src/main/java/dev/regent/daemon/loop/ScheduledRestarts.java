package dev.regent.daemon.loop;

import dev.regent.core.ha.ScheduledRestart;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The restart scheduled on this node (Patroni's {@code patroni.scheduled_restart}): at most one, set by
 * {@code POST /restart} with a schedule, dropped by {@code DELETE /restart} or by the HA loop once it acted on it
 * ({@code ClearScheduledRestart}). Lives in memory only, like Patroni's; published in the member key.
 * Thread-safe (REST workers and the loop thread).
 */
public final class ScheduledRestarts {
    /**
     * One scheduled restart.
     *
     * @param restart   what the decider evaluates
     * @param published the {@code scheduled_restart} value of the member key: the request as received (schedule as
     *                  ISO text) plus {@code postmaster_start_time}
     */
    public record Entry(ScheduledRestart restart, Map<String, Object> published) {
        public Entry {
            Objects.requireNonNull(restart, "restart");
            published = Collections.unmodifiableMap(new LinkedHashMap<>(published));
        }
    }

    private final AtomicReference<Entry> current = new AtomicReference<>();

    /** Store {@code e} unless a restart is already scheduled. False = another one is (409). */
    public boolean schedule(Entry e) {
        return current.compareAndSet(null, Objects.requireNonNull(e, "entry"));
    }

    /** Drop the scheduled restart; false when none was scheduled (404). */
    public boolean cancel() {
        return current.getAndSet(null) != null;
    }

    /** The scheduled restart, or null. */
    public Entry current() {
        return current.get();
    }

    /** Drop {@code seen} if it is still the scheduled one (a newer request made meanwhile survives). */
    public void clear(ScheduledRestart seen) {
        current.updateAndGet(e -> e != null && e.restart() == seen ? null : e);
    }
}
