package dev.regent.daemon.log;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code time.strftime} as glibc implements it in the C locale, for {@code log.dateformat}: every directive
 * of glibc ({@code %Y-%m-%d %H:%M:%S}, {@code %b}, {@code %j}, {@code %z}, {@code %s}, ...) with the {@code -}
 * (no padding), {@code _} (space padding), {@code 0} and {@code ^} (upper case) flags. An unknown directive is copied
 * as written, as glibc does ({@code %f} included: {@code time.strftime} has no microseconds). Stateless.
 */
final class Strftime {
    private static final DateTimeFormatter ZONE_NAME = DateTimeFormatter.ofPattern("zzz", Locale.ENGLISH);

    private Strftime() {}

    static String format(String pattern, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            int start = i;
            char flag = 0;
            char next = pattern.charAt(i + 1);
            if ((next == '-' || next == '_' || next == '0' || next == '^') && i + 2 < pattern.length()) {
                flag = next;
                i++;
            }
            char d = pattern.charAt(++i);
            String v = directive(d, flag, t);
            if (v == null) {
                out.append(pattern, start, i + 1);
            } else {
                out.append(flag == '^' ? v.toUpperCase(Locale.ROOT) : v);
            }
        }
        return out.toString();
    }

    private static String directive(char d, char flag, ZonedDateTime t) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        int wday = t.getDayOfWeek().getValue() % 7; // Sunday 0
        int yday = t.getDayOfYear() - 1;
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
            case 'C' -> num(t.getYear() / 100, 2, '0', flag);
            case 'd' -> num(t.getDayOfMonth(), 2, '0', flag);
            case 'D' -> format("%m/%d/%y", t);
            case 'e' -> num(t.getDayOfMonth(), 2, ' ', flag);
            case 'F' -> format("%Y-%m-%d", t);
            case 'g' -> num(t.get(IsoFields.WEEK_BASED_YEAR) % 100, 2, '0', flag);
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'H' -> num(t.getHour(), 2, '0', flag);
            case 'I' -> num(hour12, 2, '0', flag);
            case 'j' -> num(t.getDayOfYear(), 3, '0', flag);
            case 'k' -> num(t.getHour(), 2, ' ', flag);
            case 'l' -> num(hour12, 2, ' ', flag);
            case 'm' -> num(t.getMonthValue(), 2, '0', flag);
            case 'M' -> num(t.getMinute(), 2, '0', flag);
            case 'n' -> "\n";
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'r' -> format("%I:%M:%S %p", t);
            case 'R' -> format("%H:%M", t);
            case 's' -> Long.toString(t.toEpochSecond());
            case 'S' -> num(t.getSecond(), 2, '0', flag);
            case 't' -> "\t";
            case 'T', 'X' -> format("%H:%M:%S", t);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'U' -> num((yday + 7 - wday) / 7, 2, '0', flag);
            case 'V' -> num(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, '0', flag);
            case 'w' -> Integer.toString(wday);
            case 'W' -> num((yday + 7 - (wday + 6) % 7) / 7, 2, '0', flag);
            case 'x' -> format("%m/%d/%y", t);
            case 'y' -> num(t.getYear() % 100, 2, '0', flag);
            case 'Y' -> Integer.toString(t.getYear());
            case 'z' -> offset(t.getOffset().getTotalSeconds());
            case 'Z' -> ZONE_NAME.format(t);
            case '%' -> "%";
            default -> null;
        };
    }

    private static String num(int value, int width, char pad, char flag) {
        String s = Integer.toString(value);
        if (flag == '-') return s;
        char p = flag == '_' ? ' ' : flag == '0' ? '0' : pad;
        return String.valueOf(p).repeat(Math.max(0, width - s.length())) + s;
    }

    private static String offset(int seconds) {
        int abs = Math.abs(seconds) / 60;
        return (seconds < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d%02d", abs / 60, abs % 60);
    }
}
