package dev.regent.ctl.command;

import picocli.CommandLine.Command;

/** {@code resume [CLUSTER] [--wait]}: maintenance mode off. */
@Command(name = "resume", description = "Resume auto failover")
public class ResumeCommand extends PauseToggle {
    @Override
    void execute() {
        toggle(false);
    }
}
