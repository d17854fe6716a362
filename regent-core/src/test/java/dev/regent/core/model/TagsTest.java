package dev.regent.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which tags a node publishes (Patroni's _filter_tags, patroni-interfaces §1.10). */
class TagsTest {
    private static Map<String, Object> tags(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void falsePredefinedTagsAreNotPublishedCustomTagsAre() {
        // acceptance patroni_api #3: tags equals exactly {'new_tag': 'new_value'}
        Map<String, Object> all = tags("nofailover", false, "noloadbalance", false, "clonefrom", false,
                "nosync", false, "nostream", false, "new_tag", "new_value");
        assertThat(Tags.published(all)).containsExactly(Map.entry("new_tag", "new_value"));
    }

    @Test
    void truePredefinedTagsArePublished() {
        assertThat(Tags.published(tags("clonefrom", true, "nostream", "yes", "nosync", 0)))
                .containsExactly(Map.entry("clonefrom", true), Map.entry("nostream", "yes"));
    }

    @Test
    void nofailoverStaysBesideFailoverPriorityAndNosyncBesideSyncPriority() {
        assertThat(Tags.published(tags("nofailover", false, "failover_priority", 1, "nosync", false,
                "sync_priority", 0)))
                .containsExactly(Map.entry("nofailover", false), Map.entry("failover_priority", 1),
                        Map.entry("nosync", false), Map.entry("sync_priority", 0));
    }

    @Test
    void customTagsAreKeptWhateverTheirValue() {
        assertThat(Tags.published(tags("replicatefrom", "pg1", "failover_priority", 0, "empty", "", "off", false)))
                .containsExactly(Map.entry("replicatefrom", "pg1"), Map.entry("failover_priority", 0),
                        Map.entry("empty", ""), Map.entry("off", false));
    }

    @Test
    void noTagsPublishNothing() {
        assertThat(Tags.published(null)).isEmpty();
        assertThat(Tags.published(Map.of())).isEmpty();
    }
}
