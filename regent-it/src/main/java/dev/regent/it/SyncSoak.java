package dev.regent.it;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * {@code bin/bench --sync-soak}: the full proof of synchronous replication. Per mode ({@code on}, {@code quorum}) a
 * fresh 3-node cluster on etcd with a writer inserting every 20 ms ({@code synchronous_commit=on}); {@code --kills}
 * times in a row the leader's daemon and postmaster are killed with {@code kill -9} (the old leader restarted and the
 * cluster healed with {@code /sync} complete before the next), then {@code --switchovers} switchovers to a synchronous
 * standby. After every fault the acknowledged ids are checked on the new primary, and once more at the end. Prints
 * acknowledged ids, lost ids (must be 0) and heal times; exits 1 when an id was lost or a fault did not heal.
 * Usage: {@code SyncSoak [--kills 10] [--switchovers 5] [--mode on|quorum|both] [--ttl 20 --loop-wait 2 --retry 4]}.
 */
public final class SyncSoak {
    private static final Duration HEAL = Duration.ofSeconds(180);

    private final int kills;
    private final int switchovers;
    private final int ttl;
    private final int loopWait;
    private final int retry;

    private SyncSoak(int kills, int switchovers, int ttl, int loopWait, int retry) {
        this.kills = kills;
        this.switchovers = switchovers;
        this.ttl = ttl;
        this.loopWait = loopWait;
        this.retry = retry;
    }

    public static void main(String[] args) throws Exception {
        int kills = 10;
        int switchovers = 5;
        int ttl = 20;
        int loopWait = 2;
        int retry = 4;
        String mode = "both";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--sync-soak" -> { continue; }
                case "--kills" -> kills = Integer.parseInt(v);
                case "--switchovers" -> switchovers = Integer.parseInt(v);
                case "--mode" -> mode = v;
                case "--ttl" -> ttl = Integer.parseInt(v);
                case "--loop-wait" -> loopWait = Integer.parseInt(v);
                case "--retry" -> retry = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + a + "; usage: --sync-soak [--kills N]"
                        + " [--switchovers N] [--mode on|quorum|both] [--ttl S --loop-wait S --retry S]");
            }
            i++;
        }
        List<String> modes = switch (mode) {
            case "both" -> List.of("on", "quorum");
            case "on", "quorum" -> List.of(mode);
            default -> throw new IllegalArgumentException("--mode on|quorum|both, not " + mode);
        };
        SyncSoak soak = new SyncSoak(kills, switchovers, ttl, loopWait, retry);
        List<Result> results = new ArrayList<>();
        for (String m : modes) results.add(soak.run(m));
        System.out.println();
        System.out.println("sync soak summary (" + kills + " kills, " + switchovers + " switchovers per mode; ttl " + ttl
                + ", loop_wait " + loopWait + ", retry_timeout " + retry + ")");
        boolean ok = true;
        for (Result r : results) {
            System.out.println("  " + r.summary());
            ok &= r.ok();
        }
        System.out.println(ok ? "PASS: every acknowledged id survived every fault" : "FAIL");
        System.exit(ok ? 0 : 1);
    }

    /** What one mode's run found. */
    private static final class Result {
        final String mode;
        long acknowledged;
        final TreeSet<Long> lost = new TreeSet<>();
        final List<Double> resumed = new ArrayList<>();
        final List<Double> healed = new ArrayList<>();
        final List<Double> gaps = new ArrayList<>();
        String error;

        Result(String mode) {
            this.mode = mode;
        }

        boolean ok() {
            return error == null && lost.isEmpty() && acknowledged > 0;
        }

        String summary() {
            return String.format(Locale.ROOT, "%-6s acknowledged ids %d, lost ids %d%s; kill -9 -> writes resumed %s,"
                    + " -> healthy with /sync %s; switchover write gap %s%s", mode, acknowledged, lost.size(),
                    lost.isEmpty() ? "" : " " + lost, stats(resumed), stats(healed), stats(gaps),
                    error == null ? "" : "; ERROR: " + error);
        }
    }

    private static String stats(List<Double> xs) {
        if (xs.isEmpty()) return "-";
        List<Double> s = xs.stream().sorted().toList();
        return String.format(Locale.ROOT, "min %.1f / median %.1f / max %.1f s (n=%d)", s.get(0), s.get(s.size() / 2),
                s.get(s.size() - 1), s.size());
    }

    private Result run(String mode) throws Exception {
        Result r = new Result(mode);
        System.out.printf(Locale.ROOT, "%n== synchronous_mode: %s; 3 nodes, etcd, PostgreSQL 15, ttl %d loop_wait %d "
                + "retry_timeout %d; writer every 20 ms%n", mode, ttl, loopWait, retry);
        try (LocalCluster c = LocalCluster.start(3, ttl, loopWait, retry)) {
            // Ctrl-C or kill: take the cluster's processes (etcd, daemons, postmasters) down with the soak
            Thread hook = new Thread(c::close, "sync-soak-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            SyncChecks sync = new SyncChecks(c);
            c.awaitHealthy(HEAL);
            sync.patch("{\"synchronous_mode\": \"" + mode + "\"}");
            ClusterView first = sync.awaitSync(mode, HEAL);
            System.out.println("synchronous_commit on the leader: " + SyncChecks.queryOrNull(
                    c.jdbcUrl(c.index(first.leader().name())), "SHOW synchronous_commit") + "; /sync " + first.sync());
            try (Writer w = new Writer(c::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 20)
                    .start()) {
                SyncChecks.awaitNanos("a first acknowledged write", Duration.ofSeconds(60), () -> !w.acks().isEmpty());
                try {
                    for (int i = 1; i <= kills; i++) kill(c, sync, w, mode, i, r);
                    for (int i = 1; i <= switchovers; i++) switchover(c, sync, w, mode, i, r);
                } catch (RuntimeException | AssertionError e) {
                    r.error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
                    System.out.println("ERROR: " + e.getMessage());
                }
                w.close();
                String last = c.leaderName(HEAL);
                List<Long> missing = sync.missing(w, last);
                r.lost.addAll(missing);
                r.acknowledged = w.acks().size();
                System.out.printf(Locale.ROOT, "end: %d acknowledged ids, %d missing on the final primary %s, %d "
                        + "failed attempts of the writer%n", r.acknowledged, missing.size(), last, w.failures());
            }
            if (!r.ok()) System.out.println(c.logs());
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        return r;
    }

    private void kill(LocalCluster c, SyncChecks sync, Writer w, String mode, int i, Result r) throws Exception {
        ClusterView before = sync.awaitSync(mode, HEAL);
        String old = before.leader().name();
        int acked = w.acks().size();
        SyncChecks.awaitNanos("writes acknowledged", Duration.ofSeconds(30), () -> w.acks().size() > acked + 10);
        int oi = c.index(old);
        long killedAt = System.nanoTime();
        c.node(oi).kill9();
        c.killPostmaster(oi);
        int atKill = w.acks().size();
        String next;
        double resumed;
        try {
            ClusterView after = c.await("a new leader after killing " + old, HEAL,
                    v -> v.leader() != null && !v.leader().name().equals(old));
            next = after.leader().name();
            long writing = SyncChecks.awaitNanos("writes on " + next, Duration.ofSeconds(90),
                    () -> w.acks().size() > atKill);
            resumed = (writing - killedAt) / 1e9;
            int now = w.acks().size();
            SyncChecks.awaitNanos("more writes on " + next, Duration.ofSeconds(60), () -> w.acks().size() > now + 20);
        } finally {
            c.node(oi).start();  // the old leader rejoins (pg_rewind) whatever the outcome
        }
        List<Long> missing = sync.missing(w, next);
        r.lost.addAll(missing);
        sync.awaitSync(mode, HEAL);
        double healed = (System.nanoTime() - killedAt) / 1e9;
        r.resumed.add(resumed);
        r.healed.add(healed);
        System.out.printf(Locale.ROOT, "kill %2d/%d: %s (daemon + postmaster, kill -9) -> leader %s%s; writes resumed "
                        + "after %.1f s, healthy with /sync after %.1f s; %d acknowledged so far, %d missing on %s%n",
                i, kills, old, next, before.sync().matches(next) ? " (was in /sync)" : " (NOT in /sync before!)",
                resumed, healed, w.acks().size(), missing.size(), next);
        if (!before.sync().matches(next)) throw new IllegalStateException(next + " was promoted but not in " + before.sync());
    }

    private void switchover(LocalCluster c, SyncChecks sync, Writer w, String mode, int i, Result r) throws Exception {
        ClusterView before = sync.awaitSync(mode, HEAL);
        String old = before.leader().name();
        String candidate = before.sync().syncStandbys().stream().sorted().findFirst().orElseThrow();
        long s = System.nanoTime();
        HttpResponse<String> resp = c.rest(c.index(old), "POST", "/switchover",
                "{\"leader\": \"" + old + "\", \"candidate\": \"" + candidate + "\"}");
        if (resp.statusCode() != 200) throw new IllegalStateException("switchover refused: " + resp.body());
        double post = (System.nanoTime() - s) / 1e9;
        int acked = w.acks().size();
        SyncChecks.awaitNanos("writes on " + candidate, Duration.ofSeconds(60), () -> w.acks().size() > acked + 20);
        double gap = w.longestGapMillis(s - 1_000_000_000L) / 1000;
        List<Long> missing = sync.missing(w, candidate);
        r.lost.addAll(missing);
        sync.awaitSync(mode, HEAL);
        double healed = (System.nanoTime() - s) / 1e9;
        r.gaps.add(gap);
        System.out.printf(Locale.ROOT, "switchover %d/%d: %s -> %s: POST answered in %.1f s, longest write gap %.2f s, "
                + "healthy with /sync after %.1f s; %d acknowledged so far, %d missing on %s%n", i, switchovers, old,
                candidate, post, gap, healed, w.acks().size(), missing.size(), candidate);
    }
}
