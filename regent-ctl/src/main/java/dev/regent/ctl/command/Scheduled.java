package dev.regent.ctl.command;

import dev.regent.ctl.CtlException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * patronictl's {@code parse_scheduled}: {@code now} (or nothing) = immediately; otherwise an ISO 8601 timestamp,
 * local time when it has no offset; printed like Python's {@code isoformat()} ({@code 2024-05-01T12:00:00+02:00}).
 */
final class Scheduled {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private Scheduled() {}

    /** Null for "now". */
    static String parse(String text) {
        if (text == null || text.isBlank() || text.trim().equals("now")) return null;
        String s = text.trim().replace(' ', 'T');
        try {
            return ISO.format(OffsetDateTime.parse(s));
        } catch (DateTimeParseException e) {
            try {
                return ISO.format(LocalDateTime.parse(s).atZone(ZoneId.systemDefault()).toOffsetDateTime());
            } catch (DateTimeParseException e2) {
                throw new CtlException("Unable to parse scheduled timestamp (" + text
                        + "). It should be in an unambiguous format (e.g. ISO 8601)");
            }
        }
    }

    /** The example in the prompt: one hour from now, {@code yyyy-MM-ddTHH:mm}. */
    static String nextHour(LocalDateTime now) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").format(now.plusHours(1));
    }
}
