package dev.regent.dcs;

/**
 * One key as read from a {@link KeyValueStore}.
 *
 * @param key            full key path, e.g. {@code /service/batman/leader}
 * @param value          value as UTF-8 text
 * @param modRevision    version of the last write (etcd mod_revision); compare-and-set compares this
 * @param createRevision version at which the key was created (etcd create_revision)
 * @param session        session/lease the key is bound to (etcd lease id in decimal), or null for a persistent key
 */
public record KeyValue(String key, String value, long modRevision, long createRevision, String session) {}
