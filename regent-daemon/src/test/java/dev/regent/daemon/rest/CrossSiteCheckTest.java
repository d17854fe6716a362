package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import org.junit.jupiter.api.Test;

class CrossSiteCheckTest {
    private static Headers headers(String... nameValue) {
        Headers h = new Headers();
        for (int i = 0; i < nameValue.length; i += 2) h.add(nameValue[i], nameValue[i + 1]);
        return h;
    }

    @Test
    void secFetchSiteDecidesWhenPresent() {
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "same-origin"))).isNull();
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "None"))).isNull();
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "same-site", "Host", "db1:8008")))
                .isEqualTo("cross-site request refused (Sec-Fetch-Site: same-site)");
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "cross-site"))).isNotNull();
        // Sec-Fetch-Site wins over a matching Origin (it is the browser's own verdict), and the other way round
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "cross-site", "Origin", "http://db1:8008",
                "Host", "db1:8008"))).isNotNull();
        assertThat(CrossSiteCheck.refusal(headers("Sec-Fetch-Site", "same-origin", "Origin", "http://x:1",
                "Host", "db1:8008"))).isNull();
    }

    @Test
    void originMustNameThisServerWhenSecFetchSiteIsAbsent() {
        assertThat(CrossSiteCheck.refusal(headers("Origin", "https://DB1:8008", "Host", "db1:8008"))).isNull();
        assertThat(CrossSiteCheck.refusal(headers("Origin", "http://db1", "Host", "db1"))).isNull();
        assertThat(CrossSiteCheck.refusal(headers("Origin", "http://db1:8009", "Host", "db1:8008")))
                .isEqualTo("cross-site request refused (Origin: http://db1:8009 is not db1:8008)");
        assertThat(CrossSiteCheck.refusal(headers("Origin", "http://db1", "Host", "db1:8008"))).isNotNull();
        assertThat(CrossSiteCheck.refusal(headers("Origin", "null", "Host", "db1:8008"))).isNotNull();
        assertThat(CrossSiteCheck.refusal(headers("Origin", "http://db1:8008"))).isNotNull();
        assertThat(CrossSiteCheck.refusal(headers("Origin", "::not a url::", "Host", "db1:8008"))).isNotNull();
    }

    @Test
    void clientsThatAreNoBrowserPass() {
        assertThat(CrossSiteCheck.refusal(headers())).isNull();
        assertThat(CrossSiteCheck.refusal(headers("Host", "db1:8008", "User-Agent", "curl/7.88.1"))).isNull();
    }
}
