/**
 * Deterministic simulation of whole Regent clusters ({@code bin/regent-sim}).
 *
 * <p><b>What runs for real:</b> every node runs the real shell ({@code HaLoop.cycle} and its {@code ActionExecutor})
 * and the real decider ({@code HaDecider}), through the real {@code PatroniDcs} codec, over the test kit's in-memory
 * DCS (etcd-like revisions, TTL sessions, per-node partitions) on simulated time. The shell's seams
 * ({@code LoopEnvironment}) are simulated: the {@link dev.regent.sim.Scheduler} is the ticker, waits and blocking calls
 * delay the loop's next cycle, the background slot runs a task as one event after its simulated duration, peers'
 * {@code GET /patroni} is answered from the simulated nodes, a fatal exit stops the daemon (a supervisor restarts it).
 *
 * <p><b>What is modelled:</b> per node a PostgreSQL ({@link dev.regent.sim.SimPostgres}: WAL as timeline segments with
 * unique ids, streaming from an upstream while its WAL continues ours, crash, start, stop, promote naming its timeline
 * after the newest history file in pg_wal and writing an end-of-recovery record, history files fetched from the
 * upstream or written by the shell, pg_rewind finding the divergence point or "no rewind required" as pg_rewind 15,
 * basebackup, {@code synchronous_standby_names} with PostgreSQL's priority and quorum semantics); a client whose
 * commits are acknowledged by the primary alone, or, when its synchronous_standby_names is set, once the standbys it
 * names hold them ({@link dev.regent.sim.SyncRep}); synchronous_mode off, on or quorum by seed; faults drawn from the
 * seed ({@link dev.regent.sim.Fault}); invariants checked after every event ({@link dev.regent.sim.SimCluster}),
 * invariant 2 (no commit acknowledged under {@code /sync} is missing on a node promoted later) at every promotion.
 *
 * <p><b>What is not:</b> {@code synchronous_commit} levels other than {@code on} (write, flush and replay positions
 * are one), strict mode, the Raft and etcd
 * clients (the DCS answers at once or not at all, never slowly or stale), a cycle interrupted half-way (a cycle is one
 * event; its blocking calls delay the next one), slots and WAL recycling, callbacks and pre_promote scripts, the REST
 * server itself, watchdogs, clock skew.
 *
 * <p>Single-threaded; all randomness comes from the seed, so {@code bin/regent-sim --seeds 1 --seed S} replays a run
 * exactly.
 */
package dev.regent.sim;
