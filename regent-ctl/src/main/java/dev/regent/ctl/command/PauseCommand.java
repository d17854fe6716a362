package dev.regent.ctl.command;

import picocli.CommandLine.Command;

/** {@code pause [CLUSTER] [--wait]}: maintenance mode on (no automatic failover). */
@Command(name = "pause", description = "Disable auto failover")
public class PauseCommand extends PauseToggle {
    @Override
    void execute() {
        toggle(true);
    }
}
