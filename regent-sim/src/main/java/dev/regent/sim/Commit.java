package dev.regent.sim;

/**
 * A client commit that a primary acknowledged: written at {@code lsn} on WAL segment {@code segment} of {@code node}.
 * A node holds it when its WAL holds that segment up to that position ({@link Wal#contains}).
 */
public record Commit(long at, String node, long segment, long lsn) {}
