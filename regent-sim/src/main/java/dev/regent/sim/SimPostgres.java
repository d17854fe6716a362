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
            return new LocalPostgres(ProcessState.STOPPED, false, systemId, "in archive recovery".equals(controlState)
                    || "shut down in recovery".equals(controlState), controlState, wal.timeline(), wal.end(), null,
                    null, null, null, null);
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

    /** pg_ctl promote: a new timeline starts at the end of the WAL. */
    public void promote(long segmentUid) throws PgFailure {
        if (!running) throw new PgFailure("pg_ctl: PID file does not exist");
        if (!inRecovery) return;
        wal = wal.fork(segmentUid);
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

    /** pg_rewind from {@code source}: postgres stopped; afterwards the data directory holds the source's WAL. */
    public void rewind(SimPostgres source) throws PgFailure {
        if (running) throw new PgFailure("pg_rewind: target server must be shut down cleanly");
        if (source == null || !source.running || source.dataDirEmpty) {
            throw new PgFailure("pg_rewind: could not connect to source");
        }
        if (!source.systemId.equals(systemId)) {
            throw new PgFailure("pg_rewind: source and target clusters are from different systems");
        }
        wal = Wal.upTo(source.wal, source.wal.end());
        controlState = "in archive recovery";
    }

    public void removeDataDirectory() {
        if (running) crash();
        dataDirEmpty = true;
        systemId = null;
        wal = null;
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
        if (source == null || !source.running || source.dataDirEmpty || !wal.isPrefixOf(source.wal)) {
            streaming = false;
            return;
        }
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
