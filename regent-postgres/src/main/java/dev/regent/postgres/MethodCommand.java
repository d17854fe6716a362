package dev.regent.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the command of a custom replica creation or bootstrap method: its command line split by shell rules plus
 * Patroni's arguments, as the PostgreSQL OS user (the user Patroni itself runs as, so the files it writes belong to
 * postgres), its output logged. Package-private helper of {@link Postgresql}.
 */
final class MethodCommand {
    private static final Logger LOG = LoggerFactory.getLogger(MethodCommand.class);
    /**
     * Patroni waits for a method as long as it runs (a restore of a large backup takes hours); this bound only keeps
     * a hung command from holding the node forever.
     */
    static final Duration TIMEOUT = Duration.ofHours(24);

    private final CommandRunner runner;
    private final Path dataDir;

    MethodCommand(CommandRunner runner, Path dataDir) {
        this.runner = runner;
        this.dataDir = dataDir;
    }

    /**
     * Runs {@code command} (split by shell rules) with {@code params} appended and {@code env} added to the
     * environment. The data directory is created empty (mode 0700, owned by postgres) first when missing, so a tool
     * that restores into it needs no write access to its parent. Blocks until the command exits.
     *
     * @return the exit code (-1 when it did not finish within {@link #TIMEOUT})
     */
    int run(String what, String command, List<String> params, Map<String, String> env) {
        List<String> cmd = new ArrayList<>(ShellWords.split(command));
        if (cmd.isEmpty()) {
            throw new PostgresException(what + ": the command is empty");
        }
        cmd.addAll(params);
        if (!java.nio.file.Files.exists(dataDir)) {
            runner.ensureOwnedDirectory(dataDir);
        }
        LOG.info("{}: running {}", what, cmd);
        CommandRunner.Result r = runner.run(cmd, env, null, TIMEOUT);
        String out = r.output().strip();
        if (!out.isEmpty()) {
            if (r.ok()) {
                LOG.info("{} output:\n{}", what, out);
            } else {
                LOG.error("{} output:\n{}", what, out);
            }
        }
        runner.chownRecursively(dataDir);
        return r.exitCode();
    }
}
