package dev.regent.core.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * PostgreSQL's {@code synchronous_standby_names} in Patroni's exact spelling: rendering the value a primary gets and
 * parsing the value it has. Pure and stateless.
 *
 * <p>Rendering (Patroni's {@code set_synchronous_standby_names}): names are sorted, and quoted with double quotes
 * unless they are plain identifiers ({@code [A-Za-z_][A-Za-z_0-9$]*}); one name is written bare ({@code pg1}, or
 * {@code "postgres-1"}); several as {@code N (a,b)} with N = their number (PostgreSQL's priority form, every listed
 * standby must confirm); quorum mode as {@code ANY N (a,...)} even for one name; no name at all removes the setting
 * ({@code null}), unless a number of at least one is asked for, which renders {@code *} (any standby), Patroni 4.1's
 * strict-mode value.
 */
public final class SyncStandbyNames {
    private SyncStandbyNames() {}

    /** Any standby: what strict mode asks for when no candidate streams. */
    public static final String STAR = "*";

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z_0-9$]*");

    /** The parse of a value: its kind, the number of confirmations asked for, and the names listed in order. */
    public record Parsed(Kind kind, int num, List<String> members, boolean hasStar) {
        public static final Parsed OFF = new Parsed(Kind.OFF, 0, List.of(), false);

        public Parsed {
            members = List.copyOf(members);
        }

        /** Listed, compared case-insensitively as PostgreSQL compares application names. */
        public boolean lists(String name) {
            return name != null && members.stream().anyMatch(m -> m.equalsIgnoreCase(name));
        }

        /** Confirmations a commit waits for: 0 when off or when {@code *} is listed (any standby, names unknown). */
        public int numsync() { return hasStar ? 0 : num; }

        /** The listed names, without {@code *}. */
        public List<String> names() { return hasStar ? List.of() : members; }
    }

    /** The three forms: empty, priority ({@code FIRST n (...)}, {@code n (...)} or a bare list), quorum. */
    public enum Kind { OFF, PRIORITY, QUORUM }

    /**
     * The value for {@code names} (sorted; {@code *} wins over names), confirmations {@code num} (null: all listed)
     * and the quorum form; null when nothing is to be set (the setting is removed).
     */
    public static String render(Collection<String> names, Integer num, boolean quorum) {
        boolean star = names.contains(STAR) || num != null && num >= 1 && names.isEmpty();
        List<String> items = new ArrayList<>();
        if (star) {
            items.add(STAR);
        } else {
            for (String n : new TreeSet<>(names)) items.add(quote(n));
        }
        if (items.isEmpty()) return null;
        String list = String.join(",", items);
        if (quorum) return "ANY " + (num == null ? items.size() : num) + " (" + list + ")";
        if (items.size() > 1) return (num == null ? items.size() : num) + " (" + list + ")";
        return list;
    }

    /** A name as it must appear in the list: bare when a plain identifier, else double-quoted. */
    public static String quote(String name) {
        if (PLAIN.matcher(name).matches()) return name;
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * Parses a value as PostgreSQL's grammar does: empty, {@code name[, ...]}, {@code [FIRST] n (name[, ...])} or
     * {@code ANY n (name[, ...])}; names are identifiers, double-quoted strings or {@code *}.
     *
     * @throws IllegalArgumentException naming the offending token and its position when the value is unparsable
     */
    public static Parsed parse(String value) {
        List<Token> tokens = Token.scan(value == null ? "" : value);
        if (tokens.isEmpty()) return Parsed.OFF;
        Kind kind = Kind.PRIORITY;
        int num = 1;
        List<Token> list = tokens;
        Token last = tokens.get(tokens.size() - 1);
        boolean closed = last.type == Type.CLOSE;
        if (closed && startsWith(tokens, Type.WORD, Type.NUM, Type.OPEN) && isKeyword(tokens.get(0))) {
            kind = tokens.get(0).text.equalsIgnoreCase("any") ? Kind.QUORUM : Kind.PRIORITY;
            num = Integer.parseInt(tokens.get(1).text);
            list = tokens.subList(3, tokens.size() - 1);
        } else if (closed && startsWith(tokens, Type.NUM, Type.OPEN)) {
            num = Integer.parseInt(tokens.get(0).text);
            list = tokens.subList(2, tokens.size() - 1);
        }
        List<String> members = new ArrayList<>();
        boolean star = false;
        for (int i = 0; i < list.size(); i++) {
            Token t = list.get(i);
            if (i % 2 == 1) {
                if (t.type != Type.COMMA || i == list.size() - 1) throw unparsable(value, t, "expecting a comma");
                continue;
            }
            switch (t.type) {
                case WORD -> members.add(t.text);
                case QUOTED -> members.add(t.text.substring(1, t.text.length() - 1).replace("\"\"", "\""));
                case STAR -> {
                    members.add(STAR);
                    star = true;
                }
                default -> throw unparsable(value, t, "expecting a standby name");
            }
        }
        if (members.isEmpty()) throw new IllegalArgumentException("Unparseable synchronous_standby_names value '"
                + value + "': no standby name");
        return new Parsed(kind, num, members, star);
    }

    private static boolean isKeyword(Token t) {
        String w = t.text.toLowerCase(Locale.ROOT);
        return w.equals("any") || w.equals("first");
    }

    private static boolean startsWith(List<Token> tokens, Type... types) {
        if (tokens.size() < types.length + 1) return false;
        for (int i = 0; i < types.length; i++) {
            if (tokens.get(i).type != types[i]) return false;
        }
        return true;
    }

    private static IllegalArgumentException unparsable(String value, Token t, String expected) {
        return new IllegalArgumentException("Unparseable synchronous_standby_names value '" + value
                + "': unexpected " + t.text + " at " + t.pos + ", " + expected);
    }

    private enum Type { WORD, QUOTED, STAR, NUM, COMMA, OPEN, CLOSE, JUNK }

    private record Token(Type type, String text, int pos) {
        /** Splits into tokens, dropping white space; an unterminated quote or a stray character becomes JUNK. */
        static List<Token> scan(String s) {
            List<Token> out = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                int start = i;
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                Type type;
                if (c == '"') {
                    i = closingQuote(s, i + 1);
                    type = i < 0 ? Type.JUNK : Type.QUOTED;
                    if (i < 0) i = s.length();
                } else if (Character.isLetter(c) || c == '_') {
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_'
                            || s.charAt(i) == '$')) {
                        i++;
                    }
                    type = Type.WORD;
                } else if (Character.isDigit(c)) {
                    while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                    type = Type.NUM;
                } else {
                    i++;
                    type = switch (c) {
                        case '*' -> Type.STAR;
                        case ',' -> Type.COMMA;
                        case '(' -> Type.OPEN;
                        case ')' -> Type.CLOSE;
                        default -> Type.JUNK;
                    };
                }
                out.add(new Token(type, s.substring(start, i), start));
            }
            return out;
        }

        /** Index just after the closing quote of a quoted name starting at {@code from}, or -1. */
        private static int closingQuote(String s, int from) {
            int i = from;
            while (i < s.length()) {
                if (s.charAt(i) == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        i += 2;
                        continue;
                    }
                    return i == from ? -1 : i + 1;
                }
                i++;
            }
            return -1;
        }
    }
}
