package dev.regent.postgres;

import dev.regent.core.method.ReplicaMethods;
import dev.regent.core.method.ReplicaMethods.Custom;
import dev.regent.core.method.ReplicaMethods.Step;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the replica creation steps {@link ReplicaMethods#plan} chose, in order, until one succeeds (Patroni's
 * {@code create_replica}): basebackup is Regent's pg_basebackup (two attempts, the data directory wiped before each
 * and after the last failure); a custom method's data directory is wiped before it unless {@code keep_data}, and
 * after it failed as Patroni 4 does. Package-private helper of {@link Postgresql}.
 */
final class ReplicaCreation {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaCreation.class);

    private final Provisioner provisioner;
    private final MethodCommand command;

    ReplicaCreation(Provisioner provisioner, MethodCommand command) {
        this.provisioner = provisioner;
        this.command = command;
    }

    /**
     * Tries {@code steps} in order.
     *
     * @param dsn               the replication DSN of the source ("" when there is none)
     * @param basebackupOptions {@code postgresql.basebackup}
     * @param env               the environment of the commands (PGPASSFILE with the source's credentials)
     * @param basebackupTimeout bound of one pg_basebackup attempt
     * @return the method that created the replica
     * @throws PostgresException naming every method that failed, when none succeeded (or there was none to try)
     */
    String run(List<Step> steps, String dsn, List<String> basebackupOptions, Map<String, String> env,
               Duration basebackupTimeout) {
        if (steps.isEmpty()) {
            throw new PostgresException("no replica creation method to try: there is no member to clone from and "
                    + "no configured method has no_leader set");
        }
        StringBuilder failures = new StringBuilder();
        for (Step step : steps) {
            if (Thread.currentThread().isInterrupted()) {
                throw new PostgresException("replica creation cancelled");
            }
            String error = step instanceof Custom c ? custom(c, env) : basebackup(dsn, basebackupOptions, env,
                    basebackupTimeout);
            if (error == null) {
                LOG.info("replica has been created using {}", step.method());
                return step.method();
            }
            failures.append(failures.length() == 0 ? "" : "; ").append(step.method()).append(": ").append(error);
        }
        throw new PostgresException("failed to create the replica by every method (" + failures + ")");
    }

    private String basebackup(String dsn, List<String> options, Map<String, String> env, Duration timeout) {
        try {
            provisioner.basebackup(dsn, options, env, timeout);
            return null;
        } catch (PostgresException e) {
            LOG.error("Error creating replica using method basebackup: {}", e.getMessage());
            if (!provisioner.dataDirectoryEmpty()) {
                provisioner.wipe();
            }
            return e.getMessage();
        }
    }

    private String custom(Custom c, Map<String, String> env) {
        if (!provisioner.dataDirectoryEmpty()) {
            if (c.keepData()) {
                LOG.info("Leaving data directory uncleaned");
            } else {
                provisioner.wipe();
            }
        }
        int rc;
        String error;
        try {
            rc = command.run("replica method " + c.method(), c.command(), c.params(), env);
            error = rc == 0 ? null : c.command() + " exited with code=" + rc;
        } catch (PostgresException e) {
            error = e.getMessage();
        }
        if (error != null) {
            LOG.error("Error creating replica using method {}: {}", c.method(), error);
            if (c.wipeAfterFailure() && !provisioner.dataDirectoryEmpty()) {
                provisioner.wipe();
            }
        }
        return error;
    }
}
