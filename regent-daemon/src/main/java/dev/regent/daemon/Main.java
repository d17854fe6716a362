package dev.regent.daemon;

import java.io.PrintStream;

/** Entry point of {@code bin/regent}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one invocation and returns the process exit code (testable without exiting the JVM). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            out.println("regent " + Versions.regent() + " (Patroni " + Versions.PATRONI_COMPATIBLE + " compatible)");
            return 0;
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        err.println("regent: unknown arguments; see regent --help");
        return 2;
    }

    static String usage() {
        return String.join("\n",
                "usage: regent CONFIG                      run one node in the foreground (YAML file or directory)",
                "       regent --validate-config FILE      check a configuration file, report every error",
                "       regent --generate-sample-config    print a sample configuration",
                "       regent --version");
    }
}
