package dev.regent.sim;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.LocalPostgres.ProcessState;
import java.util.Map;

/**
 * One node's simulated PostgreSQL: the data directory (system id, WAL with timelines, control state) and the
 * postmaster (stopped or running, primary or standby, the upstream it streams from). No I/O, no clock: the
 * {@link SimCluster} moves WAL between nodes ({@link #streamFrom}) and decides how long each operation takes.
 *
 * <p>Operations take effect when they are called: the shell's calls block until done in real life, so by the time
 * they return PostgreSQL is in its new state. Their duration is charged to whoever called them (see
 * {@link SimPostgresPort}): the loop's next cycle, or the background task's completion.
 */
public final class SimPostgres {
    /** Thrown by an operation that fails (as pg_ctl, pg_rewind or pg_basebackup would). */
    public static final class PgFailure extends Exception {
        public PgFailure(String message) {
            super(message);
        }
    }

    /** Size of PostgreSQL's XLOG_END_OF_RECOVERY record with its header, rounded to 8 bytes. */
    static final long END_OF_RECOVERY_RECORD = 0x28;

    private final String name;
    private boolean dataDirEmpty = true;
    private String systemId;
    private Wal wal;
    private boolean running;
    private boolean inRecovery;
    /** pg_controldata's cluster state of a stopped data directory. */
    private String controlState;
    private String upstream;
    /** A running standby whose upstream's WAL is not a continuation of ours (its walreceiver keeps failing). */
    private boolean streaming;
    /**
     * Timeline history files in pg_wal besides those of the WAL's own timelines: fetched by the walreceiver from an
     * upstream on a newer timeline, or written by the shell before a promotion. Only their existence is modelled
     * (PostgreSQL's promotion probes for it); a file of the WAL's own timelines always exists.
     */
    private final java.util.TreeSet<Integer> historyFiles = new java.util.TreeSet<>();
    /**
     * {@code synchronous_standby_names} as Regent set it (null: never set, the configuration's empty value). It lives
     * in the configuration, not the data directory: it survives restarts, demotions and re-clones.
     */
    private String managedSyncStandbyNames;
    /** Walreceiver connections so far: a new one is a new walsender (a new pid in pg_stat_replication). */
    private int connections;

    public SimPostgres(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean running() {
        return running;
    }

    public boolean dataDirEmpty() {
        return dataDirEmpty;
    }

    public String systemId() {
        return systemId;
    }

    /** A running primary: the only state in which a client's commit can be acknowledged. */
    public boolean acceptsWrites() {
        return running && !inRecovery;
    }

    public boolean isReplica() {
        return running && inRecovery;
    }

    public Wal wal() {
        return wal;
    }

    public String upstream() {
        return upstream;
    }

    public boolean streaming() {
        return streaming;
    }

    /** The observation the shell gets ({@code PostgresPort.observe}). */
    public LocalPostgres observe() {
        if (dataDirEmpty) {
            return new LocalPostgres(ProcessState.STOPPED, true, null, null, null, 0, 0, null, null, null, null, null);
        }
        if (!running) {
            LocalPostgres stopped = new LocalPostgres(ProcessState.STOPPED, false, systemId,
                    "in archive recovery".equals(controlState) || "shut down in recovery".equals(controlState),
                    controlState, wal.timeline(), wal.end(), null, null, null, null, null);
            if (!stopped.crashedAsPrimary()) return stopped;
            // a killed primary: pg_waldump's last valid record begins before the end of the WAL (positions here are
            // record ends), and its history file says where its timeline began
            return stopped.withTimelineStartLsn(wal.timeline() > 1 ? wal.last().start() : null)
                    .withLastWalRecord(wal.end() - 1);
        }
        if (!inRecovery) {
            return new LocalPostgres(ProcessState.RUNNING, false, systemId, false, "in production", wal.timeline(),
                    wal.end(), null, null, null, null, null, 150004, null, Map.of());
        }
        return new LocalPostgres(ProcessState.RUNNING, false, systemId, true, "in archive recovery", wal.timeline(),
                wal.end(), wal.end(), wal.end(), streaming ? "streaming" : "in archive recovery", upstream,
                upstream == null ? null : upstream.replace('-', '_'), 150004, null, Map.of())
                .withTimelineStartLsn(wal.timeline() > 1 ? wal.last().start() : null);
    }

    /** {@code SHOW synchronous_standby_names}: what Regent set, else "". */
    public String syncStandbyNames() {
        return managedSyncStandbyNames == null ? "" : managedSyncStandbyNames;
    }

    /** Regent's value ({@code null}: back to the configuration's, empty); applied by a reload at once. */
    public void setSyncStandbyNames(String value) {
        managedSyncStandbyNames = value;
    }

    /** True while Regent manages {@code synchronous_standby_names}. */
    public boolean syncStandbyNamesManaged() {
        return managedSyncStandbyNames != null;
    }

    /** Walreceiver connections made so far (the walsender's identity in {@code pg_stat_replication}). */
    public int connections() {
        return connections;
    }

    /** True when pg_wal holds a history file of {@code timeline} (its own WAL's timelines always have one). */
    public boolean hasHistoryFile(int timeline) {
        if (timeline <= 1 || dataDirEmpty) return false;
        if (historyFiles.contains(timeline)) return true;
        for (Wal.Segment s : wal.segments()) if (s.timeline() == timeline) return true;
        return false;
    }

    /** The shell writes a history file for {@code timeline} unless one exists. */
    public void addHistoryFile(int timeline) throws PgFailure {
        if (dataDirEmpty) throw new PgFailure("could not write history file: no data directory");
        if (timeline > 1) historyFiles.add(timeline);
    }

    /**
     * The last line of {@code timeline}'s history file when it is one of the WAL's own timelines: the timeline it
     * forked from and where (a file the shell wrote is not read back: only promotions read this). Null otherwise.
     */
    public long[] timelineSwitch(int timeline) {
        if (dataDirEmpty || timeline <= 1) return null;
        java.util.List<Wal.Segment> segs = wal.segments();
        for (int i = 1; i < segs.size(); i++) {
            if (segs.get(i).timeline() == timeline) return new long[] {segs.get(i - 1).timeline(), segs.get(i).start()};
        }
        return null;
    }

    /** The history files of {@code other}'s timelines, copied into this pg_wal (pg_basebackup, pg_rewind, fetch). */
    private void takeHistoryFilesOf(SimPostgres other) {
        historyFiles.addAll(other.historyFiles);
        for (Wal.Segment s : other.wal.segments()) if (s.timeline() > 1) historyFiles.add(s.timeline());
    }

    /** initdb + start as primary: a new system on timeline 1. */
    public void initdb(String sysid, long segmentUid) {
        dataDirEmpty = false;
        systemId = sysid;
        wal = Wal.initdb(segmentUid);
        running = true;
        inRecovery = false;
        upstream = null;
        streaming = false;
        controlState = "in production";
    }

    /** pg_basebackup from {@code source} (running, reachable: checked by the caller): its WAL up to now. */
    public void cloneFrom(SimPostgres source) throws PgFailure {
        if (source == null || !source.running || source.dataDirEmpty) {
            throw new PgFailure("pg_basebackup: could not connect");
        }
        if (running) throw new PgFailure("pg_basebackup into the data directory of a running postgres");
        dataDirEmpty = false;
        systemId = source.systemId;
        wal = Wal.upTo(source.wal, source.wal.end());
        historyFiles.clear();
        takeHistoryFilesOf(source);
        controlState = "in archive recovery";
    }

    /** Start; a standby streams from {@code follow} (null: none). */
    public void start(boolean asPrimary, String follow) throws PgFailure {
        if (dataDirEmpty) throw new PgFailure("pg_ctl: directory is not a database cluster directory");
        if (running) return;
        running = true;
        inRecovery = !asPrimary;
        upstream = asPrimary ? null : follow;
        streaming = false;
        controlState = asPrimary ? "in production" : "in archive recovery";
    }

    /** Shut down (any mode): a primary writes its shutdown checkpoint, shipped to standbys by the cluster first. */
    public void stop() {
        if (!running) return;
        running = false;
        controlState = inRecovery ? "shut down in recovery" : "shut down";
        streaming = false;
    }

    /** kill -9 of the postmaster (or of the whole node): no shutdown checkpoint. */
    public void crash() {
        if (!running) return;
        running = false;
        controlState = inRecovery ? "in archive recovery" : "in production";
        streaming = false;
    }

    /**
     * pg_ctl promote: a new timeline starts at the end of the WAL. Its number is PostgreSQL's
     * {@code findNewestTimeLine(recoveryTargetTLI) + 1}: the first number after the current timeline with no history
     * file in pg_wal (probing TLI+1, TLI+2, ... while the file exists).
     */
    public void promote(long segmentUid) throws PgFailure {
        if (!running) throw new PgFailure("pg_ctl: PID file does not exist");
        if (!inRecovery) return;
        int newest = wal.timeline();
        while (hasHistoryFile(newest + 1)) newest++;
        // The end-of-recovery record PostgreSQL writes first on the new timeline: a replica that received the switch
        // also received a record of the new timeline past the switch point (pg_rewind then finds a divergence).
        wal = wal.fork(segmentUid, newest + 1).append(END_OF_RECOVERY_RECORD);
        inRecovery = false;
        upstream = null;
        streaming = false;
        controlState = "in production";
    }

    /** Rewrite primary_conninfo and reload. */
    public void follow(String member) {
        if (!java.util.Objects.equals(upstream, member)) streaming = false;
        upstream = member;
    }

    /**
     * The check a rewind makes before stopping anything (Patroni's {@code check_leader_is_not_in_recovery}): the
     * source ({@code null} when this node cannot reach it) must run and accept writes. Changes nothing, here or there.
     */
    public void checkRewindSource(SimPostgres source) throws PgFailure {
        if (source == null || !source.running) {
            throw new PgFailure("not accessible or not healthy: could not connect to the source");
        }
        if (!source.acceptsWrites()) {
            throw new PgFailure("Leader is still in_recovery and therefore can't be used for rewind");
        }
    }

    /**
     * pg_rewind from {@code source}, as pg_rewind 15 does it: postgres stopped. On the same timeline number as the
     * source: "source and target cluster are on the same timeline", no rewind required. Otherwise it finds the last
     * timeline both histories share (same number, same fork point) and the divergence point, where the earlier of the
     * two ends that timeline; when the target's WAL does not go past it: "no rewind required" and the data directory
     * is left exactly as it was (exit 0). Otherwise it copies what changed and the source's history files, and the
     * control file names the source's timeline: the data directory holds the source's WAL.
     *
     * @return false when pg_rewind found no rewind required (nothing changed)
     */
    public boolean rewind(SimPostgres source) throws PgFailure {
        if (running) throw new PgFailure("pg_rewind: target server must be shut down cleanly");
        if (source == null || !source.running || source.dataDirEmpty) {
            throw new PgFailure("pg_rewind: could not connect to source");
        }
        if (!source.systemId.equals(systemId)) {
            throw new PgFailure("pg_rewind: source and target clusters are from different systems");
        }
        if (source.wal.timeline() == wal.timeline()) return false;
        java.util.List<Wal.Segment> mine = wal.segments();
        java.util.List<Wal.Segment> theirs = source.wal.segments();
        int common = -1;
        for (int i = 0; i < Math.min(mine.size(), theirs.size()); i++) {
            if (mine.get(i).timeline() != theirs.get(i).timeline() || mine.get(i).start() != theirs.get(i).start()) {
                break;
            }
            common = i;
        }
        if (common < 0) throw new PgFailure("pg_rewind: could not find common ancestor of the source and target");
        long mineEnds = common == mine.size() - 1 ? Long.MAX_VALUE : mine.get(common).end();
        long theirsEnd = common == theirs.size() - 1 ? Long.MAX_VALUE : theirs.get(common).end();
        long divergence = Math.min(mineEnds, theirsEnd);
        if (wal.end() <= divergence) return false;  // "no rewind required"
        wal = Wal.upTo(source.wal, source.wal.end());
        historyFiles.clear();
        takeHistoryFilesOf(source);
        controlState = "in archive recovery";
        return true;
    }

    public void removeDataDirectory() {
        if (running) crash();
        dataDirEmpty = true;
        systemId = null;
        wal = null;
        historyFiles.clear();
        controlState = null;
    }

    /** A client commit of {@code bytes}: returns the commit's position (only on a primary). */
    public long write(long bytes) {
        if (!acceptsWrites()) throw new IllegalStateException(name + " does not accept writes");
        wal = wal.append(bytes);
        return wal.end();
    }

    /**
     * Replication, run by the cluster after every event: a running standby copies its upstream's WAL while it is a
     * continuation of its own; otherwise the walreceiver fails ("requested timeline is not a child of this server's
     * history") and the standby stays where it is. {@code source} null: the upstream is down or unreachable.
     */
    public void streamFrom(SimPostgres source, boolean stalled) {
        if (!running || !inRecovery) return;
        if (source == null || !source.running || source.dataDirEmpty) {
            streaming = false;
            return;
        }
        // The walreceiver fetches the history files of the upstream's timelines it lacks before it starts streaming
        // (WalRcvFetchTimeLineHistoryFiles), whether or not it can then follow them.
        if (source.wal.timeline() > wal.timeline()) takeHistoryFilesOf(source);
        if (!wal.isPrefixOf(source.wal)) {
            streaming = false;
            return;
        }
        if (!streaming) connections++;
        streaming = true;
        if (!stalled && (source.wal.end() > wal.end() || source.wal.last().uid() != wal.last().uid())) {
            wal = Wal.upTo(source.wal, source.wal.end());
        }
    }

    @Override
    public String toString() {
        if (dataDirEmpty) return name + "[empty]";
        return name + "[" + (running ? inRecovery ? "standby<-" + upstream + (streaming ? "" : "(not streaming)")
                : "primary" : "stopped " + controlState) + " " + wal + "]";
    }
}
