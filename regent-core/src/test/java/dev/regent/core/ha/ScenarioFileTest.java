package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reviewable decider scenarios in text files ({@code src/test/resources/scenarios/*.txt}). A block is
 * <pre>
 * === title
 * as pg1              (the Scenario factory, then one Scenario builder call per line: name and arguments)
 * unlocked
 * peer pg2 999
 * ---
 * exact cycle message (with PAUSE: when paused)
 * - Action[record toString]       (one line per action, in order)
 * i INFO reason line              (optional: why the decider chose so, logged at INFO)
 * ! warning line                  (optional)
 * </pre>
 * Arguments: {@code null}, {@code ""} (empty string), numbers, true/false; a trailing text argument may contain spaces.
 * Run with {@code -Dregent.rewrite=true} to regenerate every expectation from the current decider (review the diff!).
 */
class ScenarioFileTest {
    private static final Path DIR = Path.of("src/test/resources/scenarios");
    private static final boolean REWRITE = Boolean.getBoolean("regent.rewrite");

    @TestFactory
    Stream<DynamicTest> scenarioFiles() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> runFile(f)));
            }
        }
        assertThat(tests).as("scenario files in " + DIR.toAbsolutePath()).isNotEmpty();
        return tests.stream();
    }

    private static void runFile(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        int i = 0;
        int blocks = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (!line.startsWith("=== ")) {
                out.add(line);
                i++;
                continue;
            }
            blocks++;
            out.add(line);
            List<String> setup = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).equals("---"); i++) setup.add(lines.get(i));
            List<String> expected = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).isBlank() && !lines.get(i).startsWith("=== "); i++) {
                expected.add(lines.get(i));
            }
            List<String> actual = render(build(setup).decide());
            if (!actual.equals(expected)) mismatches.add(line + "\n  expected " + expected + "\n  actual   " + actual);
            out.addAll(setup);
            out.add("---");
            out.addAll(actual);
        }
        if (REWRITE) {
            Files.write(file, out, StandardCharsets.UTF_8);
            return;
        }
        assertThat(blocks).as("scenarios in " + file).isPositive();
        assertThat(mismatches).as("scenarios in " + file + " (rerun with -Dregent.rewrite=true to regenerate)")
                .isEmpty();
    }

    static List<String> render(Decision d) {
        List<String> out = new ArrayList<>();
        out.add(d.message());
        for (Action a : d.actions()) out.add("- " + render(a));
        for (String info : d.infos()) out.add("i " + info);
        for (String w : d.warnings()) out.add("! " + w);
        return out;
    }

    /** Record toString, with set-valued fields sorted so that files are stable. */
    static String render(Action a) {
        if (a instanceof Action.SyncReplicationSlots s) {
            return "SyncReplicationSlots[slots=" + new TreeSet<>(s.slots()) + "]";
        }
        if (a instanceof Action.PrepareReplicationSlots s) {
            return "PrepareReplicationSlots[slots=" + new TreeSet<>(s.slots()) + "]";
        }
        return a.toString();
    }

    private static Scenario build(List<String> setup) throws Exception {
        Scenario s = null;
        for (String raw : setup) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            if (words[0].equals("as")) {
                s = Scenario.as(words[1]);
                continue;
            }
            if (s == null) throw new IllegalArgumentException("a scenario starts with 'as <member>': " + line);
            call(s, words);
        }
        if (s == null) throw new IllegalArgumentException("empty scenario");
        return s;
    }

    private static void call(Scenario s, String[] words) throws Exception {
        int argc = words.length - 1;
        for (Method m : Scenario.class.getDeclaredMethods()) {
            int n = m.getParameterCount();
            Class<?>[] types = m.getParameterTypes();
            // a trailing String parameter takes the rest of the line ("stopped in production")
            boolean rest = n > 0 && n < argc && types[n - 1] == String.class;
            if (!m.getName().equals(words[0]) || (n != argc && !rest)) continue;
            Object[] args = new Object[n];
            for (int k = 0; k < n; k++) {
                String v = k == n - 1 && rest ? String.join(" ", List.of(words).subList(k + 1, words.length))
                        : words[k + 1];
                args[k] = convert(v, types[k]);
            }
            m.invoke(s, args);
            return;
        }
        throw new IllegalArgumentException("no Scenario method " + words[0] + " with " + argc + " argument(s)");
    }

    private static Object convert(String v, Class<?> type) {
        if (v.equals("null")) return null;
        if (v.equals("\"\"")) return "";
        if (type == long.class || type == Long.class) return Long.parseLong(v);
        if (type == int.class || type == Integer.class) return Integer.parseInt(v);
        if (type == boolean.class) return Boolean.parseBoolean(v);
        if (type == Object.class) {
            if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
            return v.matches("-?\\d+") ? (Object) Integer.parseInt(v) : v;
        }
        return v;
    }
}
