package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.HaproxyConfig;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code haproxy-config [CLUSTER]}: prints an HAProxy configuration routing to the cluster's primary and replicas,
 * built from every member's {@code conn_url} and {@code api_url} in the DCS ({@link HaproxyConfig}). Regent's own
 * command (patronictl has none); options in patronictl's style.
 */
@Command(name = "haproxy-config", description = "Print an HAProxy configuration for the cluster's members: the primary"
        + " checked on /primary, the replicas on /replica")
public class HaproxyConfigCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = "--primary-port", defaultValue = "5000", description = "Port for the primary (default 5000)")
    int primaryPort;

    @Option(names = "--replica-port", defaultValue = "5001", description = "Port for the replicas (default 5001)")
    int replicaPort;

    @Option(names = "--bind", defaultValue = "*", description = "Address HAProxy listens on (default *)")
    String bind;

    @Option(names = "--lag", description = "Leave out replicas lagging more than this (bytes or 16kB, 64MB, 1GB)")
    String lag;

    @Option(names = "--ssl", description = "Health checks over HTTPS even for http api_urls (https ones always are)")
    boolean ssl;

    @Option(names = "--crt", description = "PEM file with the client certificate and key HAProxy presents to the REST"
            + " APIs (restapi.verify_client)")
    String crt;

    @Option(names = "--ca-file", description = "CA that signed the REST APIs' certificates (else verify none)")
    String caFile;

    @Option(names = "--stats-port", defaultValue = "0", description = "Also serve HAProxy's statistics page here")
    int statsPort;

    @Override
    void execute() {
        HaproxyConfig.Options o = new HaproxyConfig.Options(ctx().clusterName(cluster), bind, primaryPort,
                replicaPort, lag, ssl, crt, caFile, statsPort);
        ClusterView c = ctx().load(o.cluster());
        if (c.members().isEmpty()) throw new CtlException(o.cluster() + " cluster doesn't have any members");
        List<HaproxyConfig.Server> servers = c.members().stream()
                .map((Member m) -> HaproxyConfig.Server.of(m.name(), m.connUrl(), m.apiUrl())).toList();
        out().print(HaproxyConfig.render(o, servers));
    }
}
