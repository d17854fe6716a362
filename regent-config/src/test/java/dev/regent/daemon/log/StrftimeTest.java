package dev.regent.daemon.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.PythonLogFormat;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** {@code log.dateformat} and format conversions as Python on glibc renders them (values checked with Python). */
class StrftimeTest {
    // Sunday 2026-01-04 07:05:09 +01:00 (time.strftime output for this moment, computed by hand from glibc's rules)
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 1, 4, 7, 5, 9, 0, ZoneOffset.ofHours(1));

    @Test
    void glibcDirectivesAndFlags() {
        assertThat(Strftime.format("%Y-%m-%d %H:%M:%S", T)).isEqualTo("2026-01-04 07:05:09");
        assertThat(Strftime.format("%a %A %b %B %y %j", T)).isEqualTo("Sun Sunday Jan January 26 004");
        assertThat(Strftime.format("%e|%-d|%_m|%k|%I%p|%l%P", T)).isEqualTo(" 4|4| 1| 7|07AM| 7am");
        assertThat(Strftime.format("%U %W %V %G %u %w", T)).isEqualTo("01 00 01 2026 7 0");
        assertThat(Strftime.format("%z %F %T %D %R %^a", T)).isEqualTo("+0100 2026-01-04 07:05:09 01/04/26 07:05 SUN");
        assertThat(Strftime.format("%s", T)).isEqualTo(Long.toString(T.toEpochSecond()));
        assertThat(Strftime.format("100%% %f %Q", T)).as("unknown directives are copied").isEqualTo("100% %f %Q");
    }

    @Test
    void percentConversionsFollowPython() {
        var f = PythonLogFormat.parse("%(a)5s|%(a)-5s|%(a).2s|%(n)05d|%(n)+d|%(x).3f|%(x)r|%(s)r|%(none)s").parts();
        java.util.function.BiFunction<Integer, Object, String> at = (i, v) ->
                PythonValues.convert((PythonLogFormat.Field) f.get(i), v);
        assertThat(at.apply(0, "ab")).isEqualTo("   ab");
        assertThat(at.apply(2, "ab")).isEqualTo("ab   ");
        assertThat(at.apply(4, "abc")).isEqualTo("ab");
        assertThat(at.apply(6, 42L)).isEqualTo("00042");
        assertThat(at.apply(8, 42L)).isEqualTo("+42");
        assertThat(at.apply(10, 1.5)).isEqualTo("1.500");
        assertThat(at.apply(12, 415.0)).isEqualTo("415.0");
        assertThat(at.apply(14, "it's")).isEqualTo("\"it's\"");
        assertThat(at.apply(14, "pg0")).isEqualTo("'pg0'");
        assertThat(at.apply(16, null)).isEqualTo("None");
        assertThat(PythonValues.str(1733140275.415)).isEqualTo("1733140275.415");
        assertThat(at.apply(6, "text")).as("a value the conversion does not fit is written with str()")
                .isEqualTo(" text");
    }
}
