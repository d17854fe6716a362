package dev.regent.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Patroni's sample configurations as Debian's {@code patroni} package ships them
 * ({@code /usr/share/doc/patroni/examples/postgres{0,1,2}.yml[.gz]}), and the small, visible rewrites the parameter
 * test applies to them. Every rewrite is a plain text substitution of a line the sample has, so a test fails loudly
 * (instead of testing something else) when the sample changes.
 */
final class PatroniSampleParametersConfigs {
    static final Path EXAMPLES = Path.of("/usr/share/doc/patroni/examples");

    private PatroniSampleParametersConfigs() {}

    /** The text of sample {@code postgres<n>.yml} (gzipped or not). */
    static String load(int n) throws IOException {
        Path plain = EXAMPLES.resolve("postgres" + n + ".yml");
        if (Files.exists(plain)) {
            return Files.readString(plain);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(EXAMPLES.resolve("postgres" + n + ".yml.gz")))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Ports, directories, pgpass and store: REST API {@code 127.0.0.1:800n} and PostgreSQL {@code 127.0.0.1:543(2+n)}
     * to the given ports, {@code data_dir: data/postgresql<n>} to {@code <nodeDir>/data} (so {@code '..'} in
     * unix_socket_directories and {@code ../wal_archive} are {@code nodeDir}), {@code pgpass: /tmp/pgpass<n>} into
     * {@code nodeDir}, and {@code etcd: host: 127.0.0.1:2379} to {@code etcd3:} at {@code etcdHostPort}.
     */
    static String rewrite(String yaml, int n, int restPort, int pgPort, Path nodeDir, String etcdHostPort) {
        String out = yaml;
        out = replace(out, "127.0.0.1:" + (8008 + n), "127.0.0.1:" + restPort);
        out = replace(out, "127.0.0.1:" + (5432 + n) + "\n", "127.0.0.1:" + pgPort + "\n");
        out = replace(out, "data_dir: data/postgresql" + n, "data_dir: " + nodeDir.resolve("data"));
        out = replace(out, "pgpass: /tmp/pgpass" + n, "pgpass: " + nodeDir.resolve("pgpass"));
        out = replace(out, "\netcd:\n", "\netcd3:\n");
        out = replace(out, "\n  host: 127.0.0.1:2379\n", "\n  host: " + etcdHostPort + "\n");
        return out;
    }

    /**
     * Uncomments the lines under {@code bootstrap.dcs.postgresql.parameters}, {@code recovery_conf} and under
     * {@code postgresql.parameters} (re-indented to their block, since the samples' {@code #} columns differ).
     */
    static String uncommentParameters(String yaml) {
        List<String> out = new ArrayList<>();
        String block = null;   // "dcs", "recovery" or "local"
        int uncommented = 0;
        for (String line : yaml.split("\n", -1)) {
            String body = line.startsWith("#") ? line.substring(1).stripLeading() : null;
            int commentIndent = body == null ? -1 : line.length() - 1 - body.length();
            if (body != null && commentIndent < ("local".equals(block) ? 2 : 6)) {
                block = null;   // a commented top-level section such as #watchdog: ends the block
            }
            if (line.equals("      parameters:")) {
                block = "dcs";
            } else if (line.equals("  parameters:")) {
                block = "local";
            } else if ("dcs".equals(block) && "recovery_conf:".equals(body)) {
                block = "recovery";
                out.add("      recovery_conf:");
                uncommented++;
                continue;
            } else if (block != null && body != null && body.matches("[a-z_]+:.*")) {
                out.add(("local".equals(block) ? "    " : "        ") + body);
                uncommented++;
                continue;
            } else if (block != null && !line.isBlank() && !line.stripLeading().startsWith("#")
                    && !line.startsWith("        ") && !("local".equals(block) && line.startsWith("    "))) {
                block = null;
            }
            out.add(line);
        }
        if (uncommented < 10) {
            throw new IllegalStateException("the sample's parameters blocks changed: uncommented " + uncommented
                    + " lines only");
        }
        return String.join("\n", out);
    }

    /** Adds {@code lines} ({@code name: value}) as the first entries of the block headed by {@code header}. */
    static String addToBlock(String yaml, String header, String indent, List<String> lines) {
        StringBuilder add = new StringBuilder();
        lines.forEach(l -> add.append(indent).append(l).append('\n'));
        return replace(yaml, "\n" + header + "\n", "\n" + header + "\n" + add);
    }

    private static String replace(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalStateException("the sample configuration no longer contains '" + from.strip() + "'");
        }
        return text.replace(from, to);
    }
}
