package dev.regent.sim;

import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code bin/regent-sim --seeds N [--nodes 3|5] [--seed S] [--sync off|on|quorum|mixed] [--profile standard|fast]
 * [--mutant NAME] [--lose-initialize-answer] [--trace]} ({@code --profile fast}: Regent's fast failover profile,
 * {@link SimTimings#FAST}; {@code --lose-initialize-answer}: the bootstrap race's winner gets an error for a create
 * the store applied):
 * runs seeds S..S+N-1 (S defaults to 1) in the given synchronous_mode (mixed, the default: off, on and quorum by seed), prints the report of every failing seed (seed, fault schedule, trace, replay command) and one summary line
 * {@code N seeds, V violations (R seeds/s; W windows exempt ...)}. Exit status 0 when no seed violated an invariant,
 * 1 otherwise, 2 for bad arguments. With a mutant the run stops at its first violation. {@code --trace} prints every
 * run's whole trace.
 */
public final class SimMain {
    /** Parsed command line. */
    record Options(long seeds, int nodes, long firstSeed, Mutant mutant, boolean trace, String sync,
                   String profile, boolean loseInitializeAnswer) {}

    /** A bad command line. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private SimMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (UsageException e) {
            err.println("regent-sim: " + e.getMessage()
                    + " (usage: regent-sim --seeds N [--nodes 3|5] [--seed S] [--sync off|on|quorum|mixed]"
                    + " [--profile standard|fast] [--mutant NAME] [--lose-initialize-answer] [--trace])");
            return 2;
        }
        long started = System.nanoTime();
        long ran = 0;
        long violations = 0;
        long exempt = 0;
        for (long seed = o.firstSeed(); ran < o.seeds(); seed++) {
            SimCluster.Result r = Simulation.run(seed, o.nodes(), o.mutant(), o.sync(), o.profile(),
                    o.loseInitializeAnswer());
            ran++;
            exempt += r.exemptWindows();
            if (o.trace()) out.print(r.report(Integer.MAX_VALUE));
            if (r.failed()) {
                violations++;
                if (!o.trace()) out.print(r.report(200));
                if (o.mutant() != Mutant.NONE) break;
            }
        }
        double secs = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        out.println(String.format(Locale.ROOT, "%d seeds, %d violations (%.0f seeds/s; %d windows exempt from"
                + " invariant 1: a frozen daemon or a paused cluster; synchronous_mode %s%s%s)", ran, violations,
                ran / secs, exempt, o.sync(), o.profile().equals("standard") ? "" : "; profile " + o.profile(),
                o.mutant() == Mutant.NONE ? "" : "; mutant " + o.mutant().cliName()));
        return violations == 0 ? 0 : 1;
    }

    static Options parse(String[] args) throws UsageException {
        long seeds = -1;
        int nodes = 3;
        long first = 1;
        Mutant mutant = Mutant.NONE;
        boolean trace = false;
        String sync = "mixed";
        String profile = "standard";
        boolean loseInitializeAnswer = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--seeds" -> {
                    seeds = number(a, value(args, ++i, a));
                    if (seeds < 1) throw new UsageException("--seeds must be at least 1, got " + seeds);
                }
                case "--nodes" -> {
                    String v = value(args, ++i, a);
                    if (!v.equals("3") && !v.equals("5")) {
                        throw new UsageException("--nodes must be 3 or 5, got '" + v + "'");
                    }
                    nodes = Integer.parseInt(v);
                }
                case "--seed" -> first = number(a, value(args, ++i, a));
                case "--mutant" -> {
                    try {
                        mutant = Mutant.byName(value(args, ++i, a));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--trace" -> trace = true;
                case "--lose-initialize-answer" -> loseInitializeAnswer = true;
                case "--sync" -> {
                    sync = value(args, ++i, a);
                    if (!java.util.Set.of("off", "on", "quorum", "mixed").contains(sync)) {
                        throw new UsageException("--sync must be off, on, quorum or mixed, got '" + sync + "'");
                    }
                }
                case "--profile" -> {
                    profile = value(args, ++i, a);
                    if (!profile.equals("standard") && !profile.equals("fast")) {
                        throw new UsageException("--profile must be standard or fast, got '" + profile + "'");
                    }
                }
                default -> throw new UsageException("unknown argument '" + a + "'");
            }
        }
        if (seeds < 0) throw new UsageException("--seeds N is required");
        return new Options(seeds, nodes, first, mutant, trace, sync, profile, loseInitializeAnswer);
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) throw new UsageException(option + " needs a value");
        return args[i];
    }

    private static long number(String option, String v) throws UsageException {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, got '" + v + "'");
        }
    }
}
