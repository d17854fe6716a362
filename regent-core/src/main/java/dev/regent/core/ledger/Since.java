package dev.regent.core.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The {@code since} filter of {@code GET /decisions}: a cycle number (entries of that cycle and later) or an ISO-8601
 * time (entries at or after it; {@code 2026-12-02T16:40:01Z}, with an offset, or without one meaning UTC; a date alone
 * means its midnight UTC). Immutable.
 *
 * @param cycle      the first cycle included, or -1 when filtering by time
 * @param timeMillis the first wall-clock ms included, or -1 when filtering by cycle
 */
public record Since(long cycle, long timeMillis) {
    /** Everything. */
    public static final Since ALL = new Since(0, -1);

    /**
     * Parses a {@code since} value; null or blank means {@link #ALL}.
     *
     * @throws IllegalArgumentException naming the value when it is neither a cycle number nor an ISO-8601 time
     */
    public static Since parse(String value) {
        if (value == null || value.isBlank()) return ALL;
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return new Since(Long.parseLong(v), -1);
            } catch (NumberFormatException e) {
                throw bad(value);
            }
        }
        try {
            return new Since(-1, OffsetDateTime.parse(v).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
            // try the other shapes
        }
        try {
            return new Since(-1, Instant.parse(v).toEpochMilli());
        } catch (DateTimeParseException e) {
            // try the other shapes
        }
        try {
            return new Since(-1, LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli());
        } catch (DateTimeParseException e) {
            // try the other shapes
        }
        try {
            return new Since(-1, LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli());
        } catch (DateTimeParseException e) {
            throw bad(value);
        }
    }

    private static IllegalArgumentException bad(String value) {
        return new IllegalArgumentException("since: '" + value + "' is neither a cycle number nor an ISO-8601 time"
                + " (e.g. 2026-12-02T16:40:01Z)");
    }

    /** The entry passes the filter. */
    public boolean includes(LedgerEntry e) {
        return timeMillis >= 0 ? e.timeMillis() >= timeMillis : e.cycle() >= cycle;
    }
}
