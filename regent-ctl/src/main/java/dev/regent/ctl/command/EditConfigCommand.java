package dev.regent.ctl.command;

import dev.regent.daemon.view.PyJson;
import dev.regent.daemon.view.YamlText;
import dev.regent.core.model.ClusterView;
import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.UnifiedDiff;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edit-config [CLUSTER]}: changes {@code /config} in the DCS with compare-and-set on its version, from
 * {@code --replace}, {@code --apply}, {@code -s/--set} and {@code -p/--pg} (in that order), or in {@code $EDITOR}
 * when none is given; shows a diff and asks before writing unless {@code --force}.
 */
@Command(name = "edit-config", description = "Edit cluster configuration")
public class EditConfigCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = {"-q", "--quiet"}, description = "Do not show changes")
    boolean quiet;

    @Option(names = {"-s", "--set"}, description = "Set specific configuration value. Can be specified multiple times")
    List<String> set = new ArrayList<>();

    @Option(names = {"-p", "--pg"}, description = "Set specific PostgreSQL parameter value. Shorthand for "
            + "-s postgresql.parameters. Can be specified multiple times")
    List<String> pg = new ArrayList<>();

    @Option(names = "--apply", description = "Apply configuration from file. Use - for stdin.")
    String apply;

    @Option(names = "--replace", description = "Apply configuration from file, replacing existing configuration. "
            + "Use - for stdin.")
    String replace;

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Override
    void execute() throws Exception {
        String name = ctx().clusterName(cluster);
        ClusterView c = ctx().load(name);
        Map<String, Object> current = c.configOrEmpty().data();
        String before = YamlText.dump(current, false);
        Map<String, Object> changed = ConfigEdits.deepCopy(current);
        boolean requested = false;
        if (replace != null) {
            changed = new LinkedHashMap<>();
            ConfigEdits.patch(changed, readYaml(replace));
            requested = true;
        }
        if (apply != null) {
            ConfigEdits.patch(changed, readYaml(apply));
            requested = true;
        }
        if (!set.isEmpty() || !pg.isEmpty()) {
            List<String> pairs = new ArrayList<>(set);
            pg.forEach(p -> pairs.add("postgresql.parameters." + p.stripLeading()));
            ConfigEdits.applyPairs(changed, pairs);
            requested = true;
        }
        if (!requested) changed = ConfigEdits.asMap(YamlText.load(Editor.edit(ctx(), before, name)));
        if (jsonEqual(current, changed)) {
            if (!quiet) out().println("Not changed");
            return;
        }
        if (!quiet) UnifiedDiff.diff(before, YamlText.dump(changed, false)).forEach(out()::println);
        if (("-".equals(apply) || "-".equals(replace)) && !force) {
            out().println("Use --force option to apply changes");
            return;
        }
        if (force || ctx().prompter().confirm("Apply these changes?", false)) {
            write(name, c, changed);
            out().println("Configuration changed");
        }
    }

    private void write(String name, ClusterView c, Map<String, Object> changed) {
        try {
            String json = PyJson.dumps(changed);
            boolean ok = c.config() == null ? ctx().dcs(name).setConfigValue(json, 0L)
                    : ctx().dcs(name).setConfigValue(json, c.config().version());
            if (!ok) throw new CtlException("Config modification aborted due to concurrent changes");
        } catch (DcsException e) {
            throw CtlContext.dcsError(e);
        }
    }

    private Object readYaml(String file) throws IOException {
        String text;
        if (file.equals("-")) {
            text = new String(root.input().readAllBytes(), StandardCharsets.UTF_8);
        } else {
            Path p = Path.of(file);
            if (!Files.isReadable(p)) throw new CtlException("cannot read " + file);
            text = Files.readString(p);
        }
        return YamlText.load(text);
    }

    private static boolean jsonEqual(Map<String, Object> a, Map<String, Object> b) {
        return PyJson.dumps(YamlText.sorted(a)).equals(PyJson.dumps(YamlText.sorted(b)));
    }
}
