package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynamicConfigCacheTest {
    @TempDir
    Path dataDir;

    @Test
    void roundTripIsAtomicAndLeavesNoTempFiles() throws IOException {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        DynamicConfigCache cache = new DynamicConfigCache(dataDir);
        assertThat(cache.read()).isEmpty();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("ttl", 30);
        cfg.put("postgresql", Map.of("parameters", Map.of("max_connections", 200), "use_slots", true));
        cfg.put("slots", Map.of());
        cache.write(cfg);
        cfg.put("ttl", 40);
        cache.write(cfg);
        Map<String, Object> back = cache.read().orElseThrow();
        assertThat(back).containsEntry("ttl", 40).containsKey("postgresql");
        assertThat(back.get("postgresql")).isEqualTo(Map.of("parameters", Map.of("max_connections", 200),
                "use_slots", true));
        try (Stream<Path> files = Files.list(dataDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .isEqualTo(List.of("patroni.dynamic.json"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.file()))).isEqualTo("rw-------");
    }

    @Test
    void corruptCacheReadsAsEmpty() throws IOException {
        DynamicConfigCache cache = new DynamicConfigCache(dataDir);
        Files.writeString(cache.file(), "{not json");
        assertThat(cache.read()).isEmpty();
    }
}
