package dev.regent.dcs.zookeeper;

/** Key prefixes as znode paths. Stateless. */
final class Paths {
    private Paths() {}

    /**
     * A prefix split at its last slash: {@code /a/b/} is every znode below {@code /a/b} (name prefix empty);
     * {@code /a/le} is the children of {@code /a} whose names start with {@code le}.
     *
     * @param parent     the znode whose children are listed
     * @param namePrefix what their names start with
     */
    record Split(String parent, String namePrefix) {}

    static Split split(String prefix) {
        if (prefix == null || !prefix.startsWith("/")) {
            throw new IllegalArgumentException("a ZooKeeper key prefix starts with '/': " + prefix);
        }
        int last = prefix.lastIndexOf('/');
        String parent = last == 0 ? "/" : prefix.substring(0, last);
        return new Split(parent, prefix.substring(last + 1));
    }

    /** The znode of a key: ZooKeeper paths cannot end with '/', so a key that does is stored without it. */
    static String znode(String key) {
        if (key == null || !key.startsWith("/")) {
            throw new IllegalArgumentException("a ZooKeeper key starts with '/': " + key);
        }
        String k = key;
        while (k.length() > 1 && k.endsWith("/")) k = k.substring(0, k.length() - 1);
        return k;
    }

    static String join(String parent, String child) {
        return parent.equals("/") ? "/" + child : parent + "/" + child;
    }

    /** True when a znode at {@code path} is under {@code prefix} (or is the folder a folder prefix names). */
    static boolean matches(String prefix, String path) {
        if (path == null) return false;
        return path.startsWith(prefix) || prefix.endsWith("/") && (path + "/").equals(prefix);
    }
}
