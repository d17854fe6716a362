package dev.regent.postgres;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.regent.core.config.NodeConfig.Callbacks;

/**
 * Runs Patroni's callbacks (§6.14): {@code <command split by shell rules> <action> <role> <scope>}, asynchronously and
 * one at a time: firing a new callback kills a still-running one and its children. {@code on_reload} has its own
 * slot. Also runs the synchronous hooks pre_promote and before_stop. Thread-safe; {@link #fire} never blocks on the
 * script, the hooks block until the script exits or its timeout.
 */
public final class CallbackRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackRunner.class);

    /** Callback actions and their Patroni names. */
    public enum Action {
        ON_START("on_start"), ON_STOP("on_stop"), ON_RESTART("on_restart"), ON_RELOAD("on_reload"),
        ON_ROLE_CHANGE("on_role_change");

        private final String patroniName;

        Action(String patroniName) {
            this.patroniName = patroniName;
        }

        public String patroniName() {
            return patroniName;
        }
    }

    private final Callbacks callbacks;
    private final String prePromote;
    private final String beforeStop;
    private final String scope;
    private final CommandRunner runner;
    private Process running;
    private Process runningReload;

    public CallbackRunner(Callbacks callbacks, String prePromote, String beforeStop, String scope) {
        this.callbacks = callbacks == null ? Callbacks.NONE : callbacks;
        this.prePromote = prePromote;
        this.beforeStop = beforeStop;
        this.scope = scope;
        this.runner = new CommandRunner();
    }

    /**
     * Starts the configured callback for {@code action} with {@code role} (e.g. primary, replica, demoted); no-op when
     * not configured. Returns the started process (for tests), or null.
     */
    public synchronized Process fire(Action action, String role) {
        String cmd = command(action);
        if (cmd == null || cmd.isBlank()) {
            return null;
        }
        List<String> argv = new ArrayList<>(ShellWords.split(cmd));
        argv.addAll(List.of(action.patroniName(), role, scope));
        boolean reload = action == Action.ON_RELOAD;
        kill(reload ? runningReload : running);
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
            ChildEnvironment.scrub(pb.environment());
            Process p = pb.start();
            LOG.info("callback {} started: {}", action.patroniName(), argv);
            if (reload) {
                runningReload = p;
            } else {
                running = p;
            }
            return p;
        } catch (IOException e) {
            LOG.warn("callback {} could not start: {}", argv, e.getMessage());
            return null;
        }
    }

    /**
     * Runs pre_promote synchronously (no extra arguments).
     *
     * @return its exit code; 0 when not configured; -1 on timeout or when it cannot start
     */
    public int runPrePromote(Duration timeout) {
        return runHook("pre_promote", prePromote, timeout);
    }

    /** Runs before_stop synchronously; returns its exit code (Patroni ignores it), 0 when not configured. */
    public int runBeforeStop(Duration timeout) {
        return runHook("before_stop", beforeStop, timeout);
    }

    private int runHook(String what, String cmd, Duration timeout) {
        if (cmd == null || cmd.isBlank()) {
            return 0;
        }
        try {
            var r = runner.runAsSelf(ShellWords.split(cmd), Map.of(), null, timeout);
            LOG.info("{} exited with {}: {}", what, r.exitCode(), r.output().strip());
            return r.exitCode();
        } catch (PostgresException e) {
            LOG.warn("{} could not run: {}", what, e.getMessage());
            return -1;
        }
    }

    /** Kills running callbacks (on shutdown). */
    public synchronized void close() {
        kill(running);
        kill(runningReload);
    }

    private static void kill(Process p) {
        if (p != null && p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private String command(Action a) {
        return switch (a) {
            case ON_START -> callbacks.onStart();
            case ON_STOP -> callbacks.onStop();
            case ON_RESTART -> callbacks.onRestart();
            case ON_RELOAD -> callbacks.onReload();
            case ON_ROLE_CHANGE -> callbacks.onRoleChange();
        };
    }
}
