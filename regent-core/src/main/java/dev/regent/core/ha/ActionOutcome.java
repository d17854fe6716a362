package dev.regent.core.ha;

import java.util.Objects;

/**
 * How one executed action ended, as the shell reports it to {@link MemoryContract#after}. Immutable.
 *
 * @param kind            what happened
 * @param detail          why it did not succeed (a refusal's or failure's message); null for success and background
 * @param createdTimeline a {@code Promote} that succeeded: the timeline the promotion created, as postgres reported it
 *                        right after (0 when unknown, and for every other outcome); the memory keeps it as
 *                        {@link NodeMemory#ownPromotion()}
 */
public record ActionOutcome(Kind kind, String detail, int createdTimeline) {
    /** The ways an action can end. */
    public enum Kind {
        /** Done (for a long action: its background task completed). */
        SUCCEEDED,
        /**
         * Did not happen because something outside said no: a lost race or CAS, a busy background slot, a hook script
         * that vetoed it (pre_promote). Not an error of this node; the executor stops and the loop re-decides.
         */
        REFUSED,
        /** An error (I/O, timeout, a command that failed); logged with its cause, the loop re-decides. */
        FAILED,
        /** A long action was handed to the background slot; its own outcome is reported when it ends. */
        BACKGROUND
    }

    public static final ActionOutcome SUCCEEDED = new ActionOutcome(Kind.SUCCEEDED, null);
    public static final ActionOutcome BACKGROUND = new ActionOutcome(Kind.BACKGROUND, null);

    public ActionOutcome {
        Objects.requireNonNull(kind, "kind");
        if (createdTimeline != 0 && kind != Kind.SUCCEEDED) {
            throw new IllegalArgumentException("only a success creates a timeline, not " + kind);
        }
    }

    /** An outcome that created no timeline. */
    public ActionOutcome(Kind kind, String detail) {
        this(kind, detail, 0);
    }

    /** A promotion that succeeded and created {@code timeline} (0 when postgres did not tell). */
    public static ActionOutcome promoted(int timeline) {
        return new ActionOutcome(Kind.SUCCEEDED, null, timeline);
    }

    /** A refusal (lost race, CAS failure, veto) with its reason. */
    public static ActionOutcome refused(String reason) {
        return new ActionOutcome(Kind.REFUSED, reason);
    }

    /** A failure with its reason. */
    public static ActionOutcome failed(String reason) {
        return new ActionOutcome(Kind.FAILED, reason);
    }

    /** {@link #SUCCEEDED} when {@code ok}, otherwise a refusal for {@code reason}. */
    public static ActionOutcome succeededIf(boolean ok, String reason) {
        return ok ? SUCCEEDED : refused(reason);
    }

    /** The executor goes on with the next action: it succeeded or runs in the background. */
    public boolean proceeds() {
        return kind == Kind.SUCCEEDED || kind == Kind.BACKGROUND;
    }
}
