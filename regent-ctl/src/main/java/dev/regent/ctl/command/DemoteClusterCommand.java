package dev.regent.ctl.command;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demote-cluster [CLUSTER] --host --port --restore-command --primary-slot-name [--force]} (Patroni 4.1): turn
 * a primary cluster into a standby cluster of the remote named by the options.
 */
@Command(name = "demote-cluster", description = "Demote cluster to a standby cluster")
public class DemoteClusterCommand extends ClusterRoleChange {
    @Option(names = "--host", description = "Address of the remote node")
    String host;

    @Option(names = "--port", description = "Port of the remote node")
    Integer port;

    @Option(names = "--restore-command", description = "Command to restore WAL records from the remote primary")
    String restoreCommand;

    @Option(names = "--primary-slot-name", description = "Name of the slot on the remote node to use for replication")
    String primarySlotName;

    @Override
    void execute() {
        if (host == null && port == null && restoreCommand == null) {
            throw new dev.regent.ctl.CtlException("At least --host, --port or --restore-command should be specified");
        }
        Map<String, Object> standby = new LinkedHashMap<>();
        if (host != null) standby.put("host", host);
        if (port != null) standby.put("port", port);
        if (primarySlotName != null) standby.put("primary_slot_name", primarySlotName);
        if (restoreCommand != null) standby.put("restore_command", restoreCommand);
        change(standby);
    }
}
