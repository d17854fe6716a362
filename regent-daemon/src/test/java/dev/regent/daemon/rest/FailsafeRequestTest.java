package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The POST /failsafe body parser shared by the REST API and the simulator. */
class FailsafeRequestTest {
    @Test
    void patroni4BodyCarriesItsSlots() {
        FailsafeRequest r = FailsafeRequest.parse("{\"name\": \"pg0\", \"conn_url\": \"postgres://h:5432/postgres\","
                + " \"api_url\": \"http://h:8008/patroni\", \"slots\": {\"perm\": 100, \"pg0\": 200}}");
        assertThat(r).isEqualTo(new FailsafeRequest("pg0", "postgres://h:5432/postgres", "http://h:8008/patroni",
                Map.of("perm", 100L, "pg0", 200L)));
    }

    @Test
    void aPatroni302BodyWithoutSlotsOrWithNullSlotsHasNone() {
        assertThat(FailsafeRequest.parse("{\"name\": \"pg0\", \"conn_url\": \"c\", \"api_url\": \"a\"}").slots())
                .isEmpty();
        assertThat(FailsafeRequest.parse("{\"name\": \"pg0\", \"conn_url\": \"c\", \"api_url\": \"a\","
                + " \"slots\": null}").slots()).isEmpty();
    }

    @Test
    void aBadBodyIsRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> FailsafeRequest.parse("{\"name\": \"pg0\", \"conn_url\": \"c\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'api_url'");
        assertThatThrownBy(() -> FailsafeRequest.parse("{\"name\": \"pg0\", \"conn_url\": \"c\", \"api_url\": \"a\","
                + " \"slots\": {\"perm\": -1}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'perm'");
        assertThatThrownBy(() -> FailsafeRequest.parse("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> FailsafeRequest.parse("{")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid JSON");
    }
}
