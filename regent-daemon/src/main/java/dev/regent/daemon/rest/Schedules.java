package dev.regent.daemon.rest;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Parses {@code scheduled_at} / {@code schedule} timestamps like Patroni's {@code parse_schedule}: ISO 8601 (with
 * {@code T} or a space), a timezone is mandatory (400 without), a time in the past is 422, garbage is 422.
 */
final class Schedules {
    private Schedules() {}

    static OffsetDateTime parse(Object value, String action, Clock clock) {
        String text = value == null ? "" : value.toString().trim().replace(' ', 'T');
        OffsetDateTime t;
        try {
            t = OffsetDateTime.parse(normalizeOffset(text));
        } catch (DateTimeParseException e) {
            if (isLocal(text)) {
                throw HttpError.plain(400, "Timezone information is mandatory for the scheduled " + action);
            }
            throw HttpError.plain(422,
                    "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601");
        }
        if (t.toInstant().isBefore(clock.instant())) {
            throw HttpError.plain(422, "Cannot schedule " + action + " in the past");
        }
        return t;
    }

    /** {@code +0100} / {@code +01} -> {@code +01:00}, which java.time's ISO parser requires. */
    private static String normalizeOffset(String text) {
        if (text.matches(".*[+-]\\d{4}$")) {
            int n = text.length();
            return text.substring(0, n - 2) + ":" + text.substring(n - 2);
        }
        if (text.matches(".*T.*[+-]\\d{2}$")) return text + ":00";
        return text;
    }

    private static boolean isLocal(String text) {
        try {
            LocalDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Python's {@code datetime.isoformat()} for an aware timestamp. */
    static String isoFormat(OffsetDateTime t) {
        return t.truncatedTo(ChronoUnit.MICROS).format(t.getNano() == 0
                ? DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx")
                : DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx"));
    }

    static String isoFormat(Instant t) {
        return isoFormat(t.atOffset(ZoneOffset.UTC));
    }
}
