package dev.regent.testkit.consul;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's duration strings as Consul's HTTP API takes and prints them ({@code 15s}, {@code 0.001s}, {@code 1m30s}). */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {}

    /** Parses {@code text}; {@link IllegalArgumentException} for anything Go's time.ParseDuration refuses. */
    static Duration parse(String text) {
        String s = text.strip();
        if (s.equals("0")) return Duration.ZERO;
        Matcher m = PART.matcher(s);
        double nanos = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Go's {@code Duration.String()} for whole hours, minutes and seconds, e.g. {@code 10s}, {@code 24h0m0s}. */
    static String format(Duration d) {
        long s = d.getSeconds();
        if (s < 60) {
            return d.getNano() == 0 ? s + "s" : (d.toNanos() / 1e9) + "s";
        }
        if (s < 3600) return (s / 60) + "m" + (s % 60) + "s";
        return (s / 3600) + "h" + (s % 3600 / 60) + "m" + (s % 60) + "s";
    }
}
