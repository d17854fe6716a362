package dev.regent.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parse cache of {@link ClusterDecoder}: unchanged values are reused, a changed value or revision never is. */
class ClusterDecoderCacheTest {
    private static final String BASE = "/service/batman/";
    private final ClusterDecoder.Parsed cache = new ClusterDecoder.Parsed();

    private static KeyValue kv(String name, String value, long revision) {
        return new KeyValue(BASE + name, value, revision, revision, null);
    }

    private static KeyValue member(String xlog, long revision) {
        return kv("members/pg0", "{\"conn_url\":\"postgres://h:5432/postgres\",\"api_url\":\"http://h:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"xlog_location\":" + xlog + "}", revision);
    }

    @Test
    void anUnchangedMemberValueIsParsedOnceAndAChangedOneAgain() {
        ClusterView first = ClusterDecoder.decode(BASE, List.of(member("100", 5)), cache);
        ClusterView same = ClusterDecoder.decode(BASE, List.of(member("100", 6)), cache);
        ClusterView changed = ClusterDecoder.decode(BASE, List.of(member("200", 7)), cache);

        assertThat(first.members().get(0).data().xlogLocation()).isEqualTo(100L);
        // same bytes at a new revision: the member's own revision is new, its data need not be parsed again
        assertThat(same.members().get(0).version()).isEqualTo(6);
        assertThat(changed.members().get(0).data().xlogLocation()).isEqualTo(200L);
        assertThat(changed.members().get(0).version()).isEqualTo(7);
    }

    @Test
    void aSyncValueRewrittenWithTheSameBytesCarriesItsNewRevision() {
        String value = "{\"leader\":\"pg0\",\"sync_standby\":\"pg1\"}";
        ClusterView first = ClusterDecoder.decode(BASE, List.of(kv("sync", value, 3)), cache);
        ClusterView rewritten = ClusterDecoder.decode(BASE, List.of(kv("sync", value, 9)), cache);

        assertThat(first.sync().version()).isEqualTo(3);
        assertThat(rewritten.sync().version()).isEqualTo(9); // compare-and-set needs the revision now in the store
        assertThat(rewritten.sync().syncStandbys()).containsExactly("pg1");
    }

    @Test
    void aKeyThatDisappearsIsNotServedFromTheCache() {
        ClusterDecoder.decode(BASE, List.of(kv("sync", "{\"leader\":\"pg0\",\"sync_standby\":\"pg1\"}", 3)), cache);
        ClusterView gone = ClusterDecoder.decode(BASE, List.of(), cache);
        ClusterView bad = ClusterDecoder.decode(BASE, List.of(kv("sync", "not json", 3)), cache);

        assertThat(gone.sync()).isNull();
        assertThat(bad.sync()).isNull(); // a corrupt value at a revision seen before is parsed, not remembered
    }
}
