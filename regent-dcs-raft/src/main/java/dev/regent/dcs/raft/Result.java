package dev.regent.dcs.raft;

/** The reply to a {@link Command}: whether its compare held, the session it used, the revision after it. */
record Result(boolean ok, long session, long revision) {}
