package dev.regent.ctl;

import dev.regent.core.model.ClusterView;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import java.io.PrintStream;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything one regentctl invocation works with: the resolved configuration, the DCS of the selected cluster
 * (opened on first use, closed by {@link #close}), the REST client, the prompter and the output streams. Single
 * invocation, single thread.
 */
public final class CtlContext implements AutoCloseable {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final CtlConfig config;
    private final CtlDeps deps;
    private final PrintStream out;
    private final PrintStream err;
    private final Prompter prompter;
    private final Map<String, String> env;
    private final Map<String, PatroniDcs> open = new HashMap<>();
    private RestClient rest;

    public CtlContext(CtlConfig config, CtlDeps deps, Prompter prompter, PrintStream out, PrintStream err,
                      Map<String, String> env) {
        this.config = config;
        this.deps = deps;
        this.prompter = prompter;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public CtlConfig config() { return config; }
    public CtlDeps deps() { return deps; }
    public PrintStream out() { return out; }
    public PrintStream err() { return err; }
    public Prompter prompter() { return prompter; }
    public Map<String, String> env() { return env; }

    /** The cluster named on the command line, else {@code scope} from the configuration. */
    public String clusterName(String given) {
        String name = given != null ? given : config.scope();
        if (name == null || name.isEmpty()) {
            throw new CtlException("Cluster name is required: give it as an argument or set scope in the configuration");
        }
        return name;
    }

    /** The DCS view of {@code cluster} (opened once per invocation). */
    public PatroniDcs dcs(String cluster) {
        return open.computeIfAbsent(cluster,
                c -> new PatroniDcs(deps.stores().open(config), config.namespace(), c, "regentctl"));
    }

    /** A fresh, linearizable snapshot of {@code cluster}. */
    public ClusterView load(String cluster) {
        try {
            return dcs(cluster).load();
        } catch (DcsException e) {
            throw dcsError(e);
        }
    }

    public static CtlException dcsError(DcsException e) {
        return new CtlException("DCS is not accessible: " + CtlConfig.oneLine(e.getMessage()));
    }

    public RestClient rest() {
        if (rest == null) rest = new RestClient(config.restUser(), config.restPassword(), config.tls());
        return rest;
    }

    /**
     * patronictl's {@code timestamp(precision)}: local time {@code yyyy-MM-dd HH:mm:ss.ffffff} cut to
     * {@code precision - 7} characters from the end (precision 0 = whole seconds, default 6 = five decimals).
     */
    public String timestamp(int precision) {
        String s = TS.format(deps.now());
        return s.substring(0, s.length() + precision - 7);
    }

    @Override
    public void close() {
        open.values().forEach(PatroniDcs::close);
        open.clear();
    }
}
