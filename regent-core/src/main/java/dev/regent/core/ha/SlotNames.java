package dev.regent.core.ha;

/**
 * Replication slot names derived from member names, exactly as Patroni's {@code slot_name_from_member_name}:
 * lowercase; {@code '-'} and {@code '.'} become {@code '_'}; any other character outside {@code [a-z0-9_]} becomes
 * {@code 'u'} followed by its code point in <em>decimal</em>, zero-padded to four digits (Patroni formats with
 * {@code u{:04d}}); the result is cut to 63 characters. Different member names may map to the same slot name.
 * Stateless and thread-safe; shared by the decider, the postgres module and the daemon.
 */
public final class SlotNames {
    /** PostgreSQL's NAMEDATALEN - 1. */
    public static final int MAX_LENGTH = 63;

    private SlotNames() {}

    /** The physical slot name for member {@code memberName}. */
    public static String fromMemberName(String memberName) {
        String lower = memberName.toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder(lower.length());
        lower.codePoints().forEach(c -> {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                out.appendCodePoint(c);
            } else if (c == '-' || c == '.') {
                out.append('_');
            } else {
                out.append('u').append(String.format(java.util.Locale.ROOT, "%04d", c));
            }
        });
        return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    }

    /** True when {@code name} is already a valid slot name (Patroni's {@code ^[a-z0-9_]{1,63}$}). */
    public static boolean isValid(String name) {
        return name != null && name.matches("[a-z0-9_]{1,63}");
    }
}
