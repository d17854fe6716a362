package dev.regent.ctl;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * regentctl's entry point. {@link #run} parses the arguments, runs one command and returns the exit code, printing
 * errors as one line ({@code Error: ...}) on {@code err}: 0 success, 1 a failed command or an aborted prompt, 2 a
 * usage error. It never calls {@code System.exit}; {@link #main} does.
 */
public final class RegentCtl {
    private RegentCtl() {}

    public static void main(String[] args) {
        if (System.getProperty("REGENT_LOG_LEVEL") == null && System.getenv("REGENT_LOG_LEVEL") == null) {
            // library logging stays quiet unless asked for, like patronictl's WARNING default
            System.setProperty("REGENT_LOG_LEVEL", System.getenv().getOrDefault("LOGLEVEL", "WARN"));
        }
        System.exit(run(args, System.in, System.out, System.err, System.getenv()));
    }

    /** Runs one invocation against the real DCS and members. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, in, out, err, env, CtlDeps.real());
    }

    /** Runs one invocation with injected dependencies (tests). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env,
                          CtlDeps deps) {
        RootCommand root = new RootCommand(in, out, err, env, deps);
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("Error: " + CtlConfig.oneLine(e.getMessage()) + " (see 'regentctl "
                    + commandPath(e.getCommandLine()) + "--help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, err));
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            root.close();
        }
    }

    private static String commandPath(CommandLine c) {
        String name = c.getCommandName();
        return name.equals("regentctl") ? "" : name + " ";
    }

    private static int report(Exception e, PrintStream err) {
        if (e instanceof CtlException c) {
            err.println(c.getMessage().startsWith("Aborted!") ? c.getMessage() : "Error: " + c.getMessage());
            return c.exitCode();
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : CtlConfig.oneLine(e.getMessage());
        err.println("Error: " + msg);
        return 1;
    }
}
