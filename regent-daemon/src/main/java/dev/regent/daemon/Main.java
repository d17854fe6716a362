package dev.regent.daemon;

import dev.regent.daemon.config.ConfigCli;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.daemon.demo.Demo;
import dev.regent.daemon.log.LogSetup;
import dev.regent.daemon.wiring.Daemon;
import dev.regent.dcs.raft.RaftWitness;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Entry point of {@code bin/regent}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        LogSetup.flushGlobal(); // the writer thread is a daemon thread: queued lines would die with the JVM
        System.exit(code);
    }

    /** Runs one invocation and returns the process exit code (testable without exiting the JVM). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            out.println("regent " + Versions.regent() + " (Patroni " + Versions.PATRONI_COMPATIBLE + " compatible)");
            return 0;
        }
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(usage());
            return 0;
        }
        if (args.length > 0 && args[0].equals("--validate-config")) {
            Path p = args.length > 1 ? Path.of(args[1]) : null;
            return ConfigCli.validateConfig(p, System.getenv(), out);
        }
        if (args.length > 0 && args[0].equals("--generate-sample-config")) {
            String yaml = ConfigCli.generateSampleConfig();
            if (args.length > 1) {
                try {
                    Files.writeString(Path.of(args[1]), yaml);
                } catch (java.io.IOException e) {
                    err.println("regent: cannot write " + args[1] + ": " + e.getMessage());
                    return 1;
                }
            } else {
                out.print(yaml);
            }
            return 0;
        }
        if (args.length > 0 && args[0].equals("--generate-config")) {
            return ConfigCli.generateConfig(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv(),
                    out, err);
        }
        if (args.length > 0 && args[0].equals("demo")) {
            return Demo.main(args, out, err);
        }
        if (args.length > 0 && args[0].equals("raft-witness")) {
            return RaftWitness.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 1 || (args.length == 1 && args[0].startsWith("-"))) {
            err.println("regent: unknown arguments; see regent --help");
            return 2;
        }
        Path path = args.length == 1 ? Path.of(args[0]) : null;
        if (path == null && System.getenv(ConfigLoader.CONFIGURATION_VAR) == null
                && System.getenv().keySet().stream().noneMatch(k -> k.startsWith("PATRONI_"))) {
            err.println(usage());
            return 2;
        }
        return runNode(path, err);
    }

    private static int runNode(Path path, PrintStream err) {
        ConfigLoader.Loaded loaded = ConfigLoader.load(path, System.getenv());
        loaded.warnings().forEach(w -> err.println(w));
        if (loaded.hasErrors()) {
            loaded.errors().forEach(e -> err.println(e));
            String refusal = loaded.unsupportedRefusal();
            if (refusal != null) {
                err.println("regent: refusing to start: " + refusal);
            }
            err.println("regent: configuration is not valid; nothing started");
            return 1;
        }
        try {
            LogSetup.global().apply(loaded.config().log());
        } catch (java.io.IOException e) {
            err.println("regent: " + e.getMessage() + "; nothing started");
            return 1;
        }
        try {
            return new Daemon(path, loaded.config()).run();
        } catch (Exception e) {
            err.println("regent: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(Main.class).error("fatal", e);
            return 1;
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: regent CONFIG                      run one node in the foreground (YAML file or directory)",
                "       regent demo [--nodes N] [--base-port 8008] [--pg-port 5432] [--raft-port 2222] [--dir DIR]",
                "                                          start a local cluster (embedded Raft DCS), show it until Ctrl-C",
                "       regent raft-witness --self-addr HOST:PORT --partner-addrs A,B --data-dir DIR [--password-file FILE]",
                "                                          run a voting-only Raft peer (no PostgreSQL)",
                "       regent --validate-config FILE      check a configuration file, report every error",
                "       regent --generate-sample-config [FILE]  print (or write) a sample configuration",
                "       regent --generate-config [--dsn DSN] [FILE]",
                "                                          print (or write) a configuration from a running PostgreSQL",
                "       regent --version");
    }
}
