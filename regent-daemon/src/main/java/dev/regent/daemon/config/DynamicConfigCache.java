package dev.regent.daemon.config;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The last applied dynamic configuration, cached in {@code <data_dir>/patroni.dynamic.json} (same name and JSON as
 * Patroni, so the two can take over each other's data directory). Writes go to a temp file in the same directory
 * that is then renamed over the cache, so a crash never leaves a half-written file. The file mode follows PGDATA
 * (group-readable only when PGDATA is). Blocks on file I/O; not safe for concurrent writers (the HA loop is the only
 * one).
 */
public final class DynamicConfigCache {
    public static final String FILE_NAME = "patroni.dynamic.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dataDir;

    public DynamicConfigCache(Path dataDir) {
        this.dataDir = dataDir;
    }

    public Path file() {
        return dataDir.resolve(FILE_NAME);
    }

    /** The cached configuration; empty when there is no cache or it is not a valid JSON object. */
    public Optional<Map<String, Object>> read() {
        Path f = file();
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> m = JSON.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
            return Optional.ofNullable(m);
        } catch (IOException e) {
            // An unreadable cache is like no cache: Patroni ignores it and waits for /config.
            return Optional.empty();
        }
    }

    /** Writes {@code config} atomically (temp file + rename). */
    public void write(Map<String, Object> config) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            applyMode(tmp);
            try {
                Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void applyMode(Path tmp) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dataDir, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> dirPerms = view.readAttributes().permissions();
        Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        if (dirPerms.contains(PosixFilePermission.GROUP_READ)) {
            perms.add(PosixFilePermission.GROUP_READ);
        }
        Files.setPosixFilePermissions(tmp, perms);
    }
}
