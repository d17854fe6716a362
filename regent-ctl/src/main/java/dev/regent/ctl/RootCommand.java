package dev.regent.ctl;

import dev.regent.ctl.command.DsnCommand;
import dev.regent.ctl.command.EditConfigCommand;
import dev.regent.ctl.command.FailoverCommand;
import dev.regent.ctl.command.FlushCommand;
import dev.regent.ctl.command.HaproxyConfigCommand;
import dev.regent.ctl.command.HistoryCommand;
import dev.regent.ctl.command.ListCommand;
import dev.regent.ctl.command.DemoteClusterCommand;
import dev.regent.ctl.command.PauseCommand;
import dev.regent.ctl.command.PromoteClusterCommand;
import dev.regent.ctl.command.QueryCommand;
import dev.regent.ctl.command.ReinitCommand;
import dev.regent.ctl.command.ReloadCommand;
import dev.regent.ctl.command.RemoveCommand;
import dev.regent.ctl.command.RestartCommand;
import dev.regent.ctl.command.ResumeCommand;
import dev.regent.ctl.command.ShowConfigCommand;
import dev.regent.ctl.command.SwitchoverCommand;
import dev.regent.ctl.command.TopologyCommand;
import dev.regent.ctl.command.VersionCommand;
import dev.regent.ctl.command.WhyCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code regentctl} command group and its global options ({@code -c/--config-file}, {@code -d/--dcs-url},
 * {@code -k/--insecure}); owns the {@link CtlContext} of one invocation. Single-threaded.
 */
@Command(name = "regentctl", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Command-line interface to a Regent (or Patroni) cluster, compatible with patronictl.",
        subcommands = {ListCommand.class, TopologyCommand.class, SwitchoverCommand.class, FailoverCommand.class,
            RestartCommand.class, ReloadCommand.class, ReinitCommand.class, PauseCommand.class, ResumeCommand.class,
            DemoteClusterCommand.class, PromoteClusterCommand.class,
            EditConfigCommand.class, ShowConfigCommand.class, HistoryCommand.class, QueryCommand.class,
            RemoveCommand.class, FlushCommand.class, DsnCommand.class, HaproxyConfigCommand.class,
            VersionCommand.class, WhyCommand.class})
public final class RootCommand {
    @Option(names = {"-c", "--config-file"}, description = "Configuration file (env PATRONICTL_CONFIG_FILE)")
    String configFile;

    @Option(names = {"-d", "--dcs-url", "--dcs"}, description = "The DCS connect url, e.g. etcd3://host:2379/ns "
            + "(env DCS_URL)")
    String dcsUrl;

    @Option(names = {"-k", "--insecure"}, description = "Allow connections to SSL sites without certs")
    boolean insecure;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final CtlDeps deps;
    private CtlContext context;

    RootCommand(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, CtlDeps deps) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
        this.deps = deps;
    }

    /** The invocation's context; resolves the configuration on first use. */
    public CtlContext context() {
        if (context == null) {
            CtlConfig config = CtlConfig.resolve(configFile, dcsUrl, insecure, env);
            context = new CtlContext(config, deps, new Prompter(in, out), out, err, env);
        }
        return context;
    }

    /** Standard input, for {@code --apply -} / {@code --replace -}. */
    public InputStream input() {
        return in;
    }

    void close() {
        if (context != null) context.close();
    }
}
