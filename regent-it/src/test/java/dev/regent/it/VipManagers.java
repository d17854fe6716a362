package dev.regent.it;

import dev.regent.testkit.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real vip-manager (Debian's {@code vip-manager} 1.0.2, {@code /usr/bin/vip-manager}) per member, each inside a
 * network namespace of its own that stands for that member's host. Namespace {@code i} is joined to the host by a veth
 * pair: {@code eth0} inside, at {@code 10.a.b.(4i+2)/30}, its peer on the host at {@code 10.a.b.(4i+1)/30}, where a
 * {@link TcpForwarder} makes the store of the test (on 127.0.0.1) reachable as vip-manager's {@code dcs-endpoints}. The
 * virtual IP is {@code 10.a.b.200/24}; {@code a.b} are the two bytes of a free port of this test JVM, so that runs
 * side by side (their port ranges are disjoint) use different names and subnets.
 *
 * <p>Root only: {@link #unavailableReason()} says why it cannot run here. {@link #close()} stops the vip-managers
 * and the forwarders and deletes the namespaces (which deletes the veth pairs).
 */
final class VipManagers implements AutoCloseable {
    static final String BINARY = "/usr/bin/vip-manager";

    private final int token;
    private final List<String> members;
    private final Path dir;
    private final String dcsType;
    private final List<String> namespaces = new ArrayList<>();
    private final List<TcpForwarder> forwarders = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private VipManagers(int token, List<String> members, Path dir, String dcsType) {
        this.token = token;
        this.members = List.copyOf(members);
        this.dir = dir;
        this.dcsType = dcsType;
    }

    /**
     * Null when network namespaces can be created here; otherwise why not (not root, or {@code ip netns} refused),
     * for the test to print as the reason it is skipped.
     */
    static String unavailableReason() throws IOException, InterruptedException {
        Result id = run("id", "-u");
        if (!id.out.strip().equals("0")) {
            return "vip-manager test needs root to create network namespaces (uid " + id.out.strip() + ")";
        }
        String probe = "regent-vip-probe-" + ProcessHandle.current().pid();
        Result add = run("ip", "netns", "add", probe);
        run("ip", "netns", "del", probe);
        return add.code == 0 ? null : "vip-manager test: 'ip netns add' refused here: " + add.out.strip();
    }

    /**
     * Creates a namespace per member and starts in each a vip-manager watching {@code triggerKey} in the store of
     * {@code dcsType} ({@code etcd}: its v2 API; Debian's build refuses {@code consul}) at {@code storeHostPort} with that member's name
     * as {@code trigger-value}; configs and logs go to {@code dir}. Fails when vip-manager is not installed.
     */
    static VipManagers start(Path dir, List<String> members, String triggerKey, String dcsType, String storeHostPort)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException(BINARY + " is missing: apt-get install -y vip-manager (bin/test does)");
        }
        Files.createDirectories(dir);
        int colon = storeHostPort.lastIndexOf(':');
        InetSocketAddress store = new InetSocketAddress(InetAddress.getByName(storeHostPort.substring(0, colon)),
                Integer.parseInt(storeHostPort.substring(colon + 1)));
        VipManagers v = new VipManagers(FreePorts.one(), members, dir, dcsType);
        try {
            for (int i = 0; i < members.size(); i++) v.startOne(i, triggerKey, store);
            return v;
        } catch (IOException | RuntimeException | InterruptedException e) {
            v.close();
            throw e;
        }
    }

    private void startOne(int i, String triggerKey, InetSocketAddress store) throws IOException, InterruptedException {
        String ns = namespace(i);
        String hostSide = "rv" + token + "h" + i;
        // a namespace or link left by a run of this port's owner that was killed before its cleanup
        run("ip", "netns", "del", ns);
        run("ip", "link", "del", hostSide);
        check("ip", "netns", "add", ns);
        namespaces.add(ns);
        check("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        check("ip", "addr", "add", address(4 * i + 1) + "/30", "dev", hostSide);
        check("ip", "link", "set", hostSide, "up");
        check("ip", "-n", ns, "addr", "add", address(4 * i + 2) + "/30", "dev", "eth0");
        check("ip", "-n", ns, "link", "set", "eth0", "up");
        check("ip", "-n", ns, "link", "set", "lo", "up");
        forwarders.add(TcpForwarder.start(new InetSocketAddress(InetAddress.getByName(address(4 * i + 1)), token),
                store));
        Path config = dir.resolve("vip-manager-" + members.get(i) + ".yml");
        Files.writeString(config, config(members.get(i), triggerKey, "http://" + address(4 * i + 1) + ":" + token));
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, BINARY, "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log(i).toFile());
        // vip-manager reads VIP_* variables too, and they would take precedence over the config file
        pb.environment().keySet().removeIf(k -> k.startsWith("VIP_"));
        processes.add(pb.start());
    }

    /** vip-manager's YAML configuration for one member, as the README shows it. */
    private String config(String member, String triggerKey, String endpoint) {
        return "ip: " + vip() + "\n"
                + "netmask: 24\n"
                + "interface: eth0\n"
                + "trigger-key: " + triggerKey + "\n"
                + "trigger-value: " + member + "\n"
                + "dcs-type: " + dcsType + "\n"
                + "dcs-endpoints:\n"
                + "  - " + endpoint + "\n"
                + "interval: 500\n";
    }

    /** The virtual IP the vip-managers move. */
    String vip() {
        return address(200);
    }

    private String address(int last) {
        return "10." + ((token >> 8) & 0xff) + "." + (token & 0xff) + "." + last;
    }

    private String namespace(int i) {
        return "regent-vip-" + token + "-" + i;
    }

    private Path log(int i) {
        return dir.resolve("vip-manager-" + members.get(i) + ".log");
    }

    /** The members whose namespace has the virtual IP on its {@code eth0} now, in member order. */
    List<String> holders() throws IOException, InterruptedException {
        List<String> holders = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Result r = check("ip", "-n", namespace(i), "-o", "-4", "addr", "show", "dev", "eth0");
            if (r.out.contains(" " + vip() + "/24 ")) holders.add(members.get(i));
        }
        return holders;
    }

    /** The members whose vip-manager has exited (it stops on a configuration it refuses). */
    List<String> exited() {
        List<String> exited = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) if (!processes.get(i).isAlive()) exited.add(members.get(i));
        return exited;
    }

    /** One member's vip-manager output. */
    String log(String member) throws IOException {
        return Files.readString(log(members.indexOf(member)), StandardCharsets.UTF_8);
    }

    /** Every vip-manager's output, for a failing assertion's message. */
    String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String m : members) {
            if (Files.exists(log(members.indexOf(m)))) b.append("--- vip-manager ").append(m).append('\n')
                    .append(log(m));
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (TcpForwarder f : forwarders) f.close();
        for (String ns : namespaces) run("ip", "netns", "del", ns);  // takes the veth pair with it
    }

    private record Result(int code, String out) {}

    private static Result check(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.code != 0) throw new IOException(String.join(" ", command) + " failed (" + r.code + "): " + r.out);
        return r;
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
