package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.MemberData;
import dev.regent.dcs.MemberCodec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code postgresql.proxy_address} is published as the member key's {@code proxy_url}, as Patroni's touch_member. */
class MemberDataBuilderProxyTest {
    private static final LocalPostgres STOPPED = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, null,
            null, null, 0, 0, null, null, null, null, null);

    @Test
    void proxyUrlIsPublishedWhenConfigured() {
        MemberData d = new MemberDataBuilder("postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni",
                "4.1.4", "postgres://10.0.0.1:6432/postgres").build(STOPPED, null, Map.of(), false, null, false);
        assertThat(d.proxyUrl()).isEqualTo("postgres://10.0.0.1:6432/postgres");
        String json = MemberCodec.toJson(d);
        assertThat(json).contains("\"proxy_url\":\"postgres://10.0.0.1:6432/postgres\"");
        assertThat(MemberCodec.fromJson(json).proxyUrl()).isEqualTo("postgres://10.0.0.1:6432/postgres");
    }

    @Test
    void noProxyUrlWithoutProxyAddress() {
        MemberData d = new MemberDataBuilder("postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni",
                "4.1.4").build(STOPPED, null, Map.of(), false, null, false);
        assertThat(MemberCodec.toJson(d)).doesNotContain("proxy_url");
    }
}
