package dev.regent.daemon.view;

import java.util.Locale;

/** patronictl's {@code -f/--format} values. */
public enum OutputFormat {
    PRETTY, TSV, JSON, YAML, TOPOLOGY;

    /** Parses {@code pretty}, {@code tsv}, {@code json}, {@code yaml}/{@code yml}; anything else is a usage error. */
    public static OutputFormat parse(String s) {
        String v = s == null ? "pretty" : s.toLowerCase(Locale.ROOT);
        return switch (v) {
            case "pretty" -> PRETTY;
            case "tsv" -> TSV;
            case "json" -> JSON;
            case "yaml", "yml" -> YAML;
            default -> throw new IllegalArgumentException("Invalid value for '--format': '" + s
                    + "' is not one of 'pretty', 'tsv', 'json', 'yaml', 'yml'.");
        };
    }
}
