package dev.regent.dcs.raft;

import dev.regent.dcs.KeyValue;
import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The Ratis state machine of the Raft DCS: applies {@link Command}s to a {@link KvState}, answers read-only
 * {@link Query}s (linearizable through Ratis' read index), and writes JSON snapshots through a
 * {@link SimpleStateMachineStorage} so the log can be compacted and state survives restarts.
 *
 * <p>The leader stamps every command with its wall clock in {@link #startTransaction}; see {@link KvState} for how
 * that time drives session expiry. Thread-safe: the state is guarded by its own monitor, on which
 * {@link #awaitChange} waits for locally applied revisions.
 */
final class KvStateMachine extends BaseStateMachine {
    /**
     * A read-only request: every key under {@code prefix}; or, when {@code changedAfter} is set, only whether a key
     * under it changed after that revision (the polled watch of client-only stores).
     */
    record Query(String prefix, Long changedAfter) {}

    /** The reply to a {@link Query}: the keys (or whether they changed) and the revision they were read at. */
    record QueryResult(List<KeyValue> kvs, long revision, boolean changed) {}

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final KvState state = new KvState();
    private final Ticker clock;

    /** A state machine whose leader stamps commands with {@code clock}'s wall time. */
    KvStateMachine(Ticker clock) {
        this.clock = clock;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadSnapshot(storage.getLatestSnapshot());
    }

    @Override
    public void reinitialize() throws IOException {
        loadSnapshot(storage.loadLatestSnapshot());
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) return;
        File file = snapshot.getFile().getPath().toFile();
        KvState.Snapshot data = Codec.JSON.readValue(file, KvState.Snapshot.class);
        synchronized (state) {
            state.restore(data);
            updateLastAppliedTermIndex(snapshot.getTermIndex());
            state.notifyAll();
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        KvState.Snapshot data;
        TermIndex last;
        synchronized (state) {
            data = state.snapshot();
            last = getLastAppliedTermIndex();
        }
        if (last == null || last.getIndex() < 0) return -1;
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(file.getPath() + ".tmp");
        Codec.JSON.writeValue(tmp, data);
        Files.move(tmp.toPath(), file.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        storage.loadLatestSnapshot();
        return last.getIndex();
    }

    /**
     * Leader side: stamp the command with the leader's clock before it enters the log, or refuse it (the client gets
     * a StateMachineException naming the problem) when it is malformed, so that it never reaches the log.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext.Builder trx = TransactionContext.newBuilder().setStateMachine(this)
                .setClientRequest(request);
        Command command;
        try {
            command = Codec.read(request.getMessage().getContent(), Command.class);
        } catch (RuntimeException e) {
            return refused(trx, "malformed raft DCS command: " + e.getMessage());
        }
        String problem = command == null ? "empty raft DCS command" : command.problem();
        if (problem != null) return refused(trx, "refused raft DCS command: " + problem);
        byte[] stamped = Codec.bytes(command.withNow(clock.wallMillis()));
        return trx.setLogData(ByteString.copyFrom(stamped)).build();
    }

    private static TransactionContext refused(TransactionContext.Builder trx, String why) {
        TransactionContext refused = trx.build();
        refused.setException(new IllegalArgumentException(why));
        return refused;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        Command command;
        try {
            command = Codec.read(entry.getStateMachineLogEntry().getLogData(), Command.class);
        } catch (RuntimeException e) {
            command = null;  // an entry written before commands were validated: it fails, the replica keeps going
        }
        Result result;
        synchronized (state) {
            result = state.apply(command);
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            state.notifyAll();
        }
        return CompletableFuture.completedFuture(Codec.message(result));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        Query q = Codec.read(request.getContent(), Query.class);
        synchronized (state) {
            QueryResult r = q.changedAfter() == null
                    ? new QueryResult(state.range(q.prefix()), state.revision(), false)
                    : new QueryResult(List.of(), state.revision(),
                            state.changedSince(q.prefix(), q.changedAfter()));
            return CompletableFuture.completedFuture(Codec.message(r));
        }
    }

    /** This replica's own applied view (not linearizable): for tests that check a peer caught up. */
    QueryResult localRead(String prefix) {
        synchronized (state) {
            return new QueryResult(state.range(prefix), state.revision(), false);
        }
    }

    /** True when the locally applied state has a session past its deadline at {@code time}. */
    boolean anyExpiredAt(long time) {
        synchronized (state) {
            return state.anyExpiredAt(time);
        }
    }

    /** Blocks until the local replica applies a change under {@code prefix} after {@code afterRevision}. */
    boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(clock, timeout);
        synchronized (state) {
            while (!state.changedSince(prefix, afterRevision)) {
                long remainingMs = deadline.remaining().toMillis();
                if (remainingMs <= 0) return false;
                state.wait(remainingMs);  // woken by every applied change
            }
            return true;
        }
    }
}
