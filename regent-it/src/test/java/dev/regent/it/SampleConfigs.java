package dev.regent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Patroni's sample configurations as Debian's {@code patroni} package ships them
 * ({@code /usr/share/doc/patroni/examples/postgres0.yml.gz}, {@code postgres1.yml.gz}, {@code postgres2.yml}), and the
 * one rewrite a test may apply to them: ports, directories, {@code pgpass} paths and the store section. The rewrite
 * is line by line and only touches uncommented lines; every replaced line is kept in {@link Rewritten#replaced()}
 * (with its line number, before and after) so that a test can print and check it, and nothing else changes. A test
 * of PostgreSQL parameters may then switch on the samples' commented parameters ({@link #uncommentParameters}) and add
 * entries to a block ({@link #addToBlock}); both fail loudly when the sample no longer has what they edit.
 */
final class SampleConfigs {
    static final Path EXAMPLES = Path.of("/usr/share/doc/patroni/examples");
    private static final Pattern ADDRESS = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DATA_DIR = Pattern.compile("^(\\s+data_dir:\\s+)(\\S+)\\s*$");
    private static final Pattern PGPASS = Pattern.compile("^(\\s+pgpass:\\s+)(\\S+)\\s*$");
    private static final Pattern ETCD_HOST = Pattern.compile("^(\\s+host:\\s+)(\\S+)\\s*$");

    private SampleConfigs() {}

    /** The file of example {@code n} (0, 1, 2): compressed or not, as the package ships it. */
    static Path file(int n) {
        Path plain = EXAMPLES.resolve("postgres" + n + ".yml");
        return Files.exists(plain) ? plain : EXAMPLES.resolve("postgres" + n + ".yml.gz");
    }

    /** True when Debian's package and its examples are installed. */
    static boolean available() {
        return Files.exists(file(0)) && Files.exists(file(1)) && Files.exists(file(2));
    }

    /** Example {@code n} as text, unchanged. */
    static String load(int n) {
        Path f = file(n);
        try (InputStream raw = Files.newInputStream(f);
             InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    /** One replaced line (1-based line number). */
    record Replacement(int line, String before, String after) {
        @Override
        public String toString() {
            return String.format("%4d - %s%n     + %s", line, before, after);
        }
    }

    /** The rewritten YAML and the lines that were replaced. */
    record Rewritten(String yaml, List<Replacement> replaced) {}

    /**
     * Where the rewritten configuration points.
     *
     * @param ports     sample port (8008.., 5432..) to the port the test uses
     * @param dir       directory that relative {@code data_dir} values are resolved against and {@code pgpass} files
     *                  are placed in
     * @param etcdHosts {@code host:port} of the test's etcd (the {@code etcd:} section becomes {@code etcd3:}
     *                  until etcd's v2 API is supported)
     */
    record Target(Map<Integer, Integer> ports, Path dir, String etcdHosts) {}

    /**
     * Applies the rewrite to a sample's text: {@code 127.0.0.1:<port>} addresses of {@link Target#ports()}, a relative
     * {@code data_dir} made absolute under {@link Target#dir()}, {@code pgpass} moved into it, and the {@code etcd:}
     * section renamed {@code etcd3:} with its {@code host} pointing at the test's etcd. Comments are left as they are.
     */
    static Rewritten rewrite(String sample, Target target) {
        String[] lines = sample.split("\n", -1);
        List<Replacement> replaced = new ArrayList<>();
        String section = "";
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.strip().startsWith("#")) continue;
            if (!Character.isWhitespace(line.charAt(0))) section = line.strip();
            String after = rewriteLine(line, section, target);
            if (!after.equals(line)) {
                replaced.add(new Replacement(i + 1, line, after));
                lines[i] = after;
            }
        }
        return new Rewritten(String.join("\n", lines), List.copyOf(replaced));
    }

    private static String rewriteLine(String line, String section, Target target) {
        if (line.equals("etcd:")) return "etcd3:";
        if (section.equals("etcd:")) {
            Matcher host = ETCD_HOST.matcher(line);
            if (host.matches()) return host.group(1) + target.etcdHosts();
        }
        if (section.equals("postgresql:")) {
            Matcher dataDir = DATA_DIR.matcher(line);
            if (dataDir.matches() && !dataDir.group(2).startsWith("/")) {
                return dataDir.group(1) + target.dir().resolve(dataDir.group(2));
            }
            Matcher pgpass = PGPASS.matcher(line);
            if (pgpass.matches()) return pgpass.group(1) + target.dir().resolve(Path.of(pgpass.group(2)).getFileName());
        }
        Matcher address = ADDRESS.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (address.find()) {
            Integer port = target.ports().get(Integer.parseInt(address.group(1)));
            address.appendReplacement(sb, port == null ? address.group() : "127.0.0.1:" + port);
        }
        address.appendTail(sb);
        return sb.toString();
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
