package dev.regent.postgres;

/** Role a configuration is written for: a primary has no standby.signal, a replica has one. */
public enum Role { PRIMARY, REPLICA }
