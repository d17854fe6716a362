package dev.regent.dcs.raft;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A voting-only Raft DCS peer with no PostgreSQL (Patroni's {@code patroni_raft_controller}): it lets two database
 * nodes keep a majority when one of them fails. Arguments are flags, each falling back to the matching environment
 * variable when absent:
 * <pre>
 *   --self-addr HOST:PORT        PATRONI_RAFT_SELF_ADDR      (required)
 *   --partner-addrs A,B          PATRONI_RAFT_PARTNER_ADDRS  (required)
 *   --data-dir DIR               PATRONI_RAFT_DATA_DIR       (required)
 *   --password-file FILE         PATRONI_RAFT_PASSWORD (the password itself)
 *   --bind-addr HOST:PORT        PATRONI_RAFT_BIND_ADDR      (default: self addr)
 *   --insecure true              PATRONI_RAFT_INSECURE       (allow no password off loopback)
 *   --client-password-file FILE  PATRONI_RAFT_CLIENT_PASSWORD (the clients' own password, as raft.client_password)
 *   --client-port-offset N       PATRONI_RAFT_CLIENT_PORT_OFFSET (as raft.client_port_offset)
 *   --certfile, --keyfile, --cafile, --client-cafile FILE   PATRONI_RAFT_CERTFILE, ... (certificate mode)
 * </pre>
 * A group whose clients have their own credential needs it on the witness too: clients also send to it.
 * The password never goes on the command line (every user sees it in {@code ps}): {@code --password-file} names a
 * file whose first non-empty line is the password and whose further lines are earlier passwords still accepted
 * during a rotation.
 * {@link #run} blocks until the JVM shuts down; a shutdown hook closes the peer cleanly.
 */
public final class RaftWitness {
    static final String USAGE = "usage: raft-witness --self-addr HOST:PORT --partner-addrs HOST:PORT[,HOST:PORT...]"
            + " --data-dir DIR [--password-file FILE] [--bind-addr HOST:PORT] [--insecure true]"
            + " [--client-password-file FILE] [--client-port-offset N]"
            + " [--certfile FILE --keyfile FILE --cafile FILE --client-cafile FILE]";
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("--certfile", "PATRONI_RAFT_CERTFILE"),
            Map.entry("--keyfile", "PATRONI_RAFT_KEYFILE"),
            Map.entry("--cafile", "PATRONI_RAFT_CAFILE"),
            Map.entry("--client-cafile", "PATRONI_RAFT_CLIENT_CAFILE"),
            Map.entry("--client-password-file", "PATRONI_RAFT_CLIENT_PASSWORD"),
            Map.entry("--client-port-offset", "PATRONI_RAFT_CLIENT_PORT_OFFSET"),
            Map.entry("--self-addr", "PATRONI_RAFT_SELF_ADDR"),
            Map.entry("--partner-addrs", "PATRONI_RAFT_PARTNER_ADDRS"),
            Map.entry("--data-dir", "PATRONI_RAFT_DATA_DIR"),
            Map.entry("--password-file", "PATRONI_RAFT_PASSWORD"),
            Map.entry("--bind-addr", "PATRONI_RAFT_BIND_ADDR"),
            Map.entry("--insecure", "PATRONI_RAFT_INSECURE"));

    /** The witness settings after flags and environment are merged and validated (passwords: current first). */
    record Options(String selfAddr, List<String> partnerAddrs, Path dataDir, RaftCredentials credentials,
                   String bindAddr) {
        /** The peer passwords, current first. */
        List<String> passwords() {
            return credentials.passwords();
        }

        @Override
        public String toString() {  // never the passwords (RaftCredentials shows only counts)
            return "Options[selfAddr=" + selfAddr + ", partnerAddrs=" + partnerAddrs + ", dataDir=" + dataDir
                    + ", credentials=" + credentials + ", bindAddr=" + bindAddr + "]";
        }
    }

    private RaftWitness() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the witness: returns 2 after printing an error and the usage on bad arguments, 1 when the peer cannot
     * start; otherwise prints one line saying it runs and blocks until JVM shutdown, then returns 0.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("raft-witness: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        RaftKvServer peer;
        try {
            peer = start(options);
        } catch (RuntimeException e) {
            err.println("raft-witness: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            peer.close();
            stopped.countDown();
        }, "raft-witness-shutdown"));
        out.println("raft-witness: voting raft DCS peer " + options.selfAddr() + " running with partners "
                + options.partnerAddrs() + (options.credentials().certificates() != null ? " (certificate mode)"
                : options.passwords().isEmpty() ? " (no password)" : " (password set)"));
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            peer.close();
        }
        return 0;
    }

    static RaftKvServer start(Options o) {
        return RaftKvServer.start(o.selfAddr(), o.bindAddr(), o.partnerAddrs(), o.dataDir(), o.credentials());
    }

    /** Merges flags over {@code env}; throws IllegalArgumentException naming the bad or missing flag. */
    static Options parse(String[] args, Map<String, String> env) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (flag.equals("--password") || flag.equals("--client-password")) {
                throw new IllegalArgumentException(flag + " is not accepted: a password on the command line is"
                        + " visible to every user in ps; use " + flag + "-file FILE or PATRONI_RAFT_"
                        + (flag.equals("--password") ? "" : "CLIENT_") + "PASSWORD");
            }
            if (!FLAGS.containsKey(flag)) throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            if (value == null) {
                if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
                value = args[++i];
            }
            given.put(flag, value);
        }
        FLAGS.forEach((flag, var) -> {
            String fromEnv = env.get(var);
            // These variables hold the password itself: read below.
            if (flag.equals("--password-file") || flag.equals("--client-password-file")) return;
            if (!given.containsKey(flag) && fromEnv != null && !fromEnv.isEmpty()) given.put(flag, fromEnv);
        });
        String self = required(given, "--self-addr");
        RaftAddresses.require("--self-addr", self);
        List<String> partners = RaftAddresses.partners("--partner-addrs", required(given, "--partner-addrs"));
        if (partners.isEmpty()) throw new IllegalArgumentException("--partner-addrs must name at least one peer");
        String bind = given.get("--bind-addr");
        if (bind != null) RaftAddresses.require("--bind-addr", bind);
        List<String> passwords = passwords("--password-file", given.get("--password-file"),
                env.get("PATRONI_RAFT_PASSWORD"));
        List<String> clientPasswords = passwords("--client-password-file", given.get("--client-password-file"),
                env.get("PATRONI_RAFT_CLIENT_PASSWORD"));
        Map<String, Object> raft = new HashMap<>();
        if (!passwords.isEmpty()) raft.put("password", passwords);
        if (!clientPasswords.isEmpty()) raft.put("client_password", clientPasswords);
        if (given.containsKey("--client-port-offset")) {
            raft.put("client_port_offset", given.get("--client-port-offset"));
        }
        for (String file : RaftCertificates.KEYS) {
            String flag = "--" + file.replace('_', '-');
            if (given.containsKey(flag)) raft.put(file, given.get(flag));
        }
        RaftCredentials credentials;
        try {
            credentials = RaftCredentials.of(raft).requireForPeer();
            if (credentials.certificates() != null) credentials.certificates().requireForPeer(self.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flagNames(e.getMessage()));
        }
        Map<String, Object> security = new HashMap<>();
        if (given.containsKey("--insecure")) security.put("insecure", given.get("--insecure"));
        List<String> addresses = new java.util.ArrayList<>(partners);
        addresses.add(self.trim());
        if (bind != null) addresses.add(bind.trim());
        try {
            RaftPasswords.requireOffLoopback(credentials.secured(),
                    RaftPasswords.insecure(security), addresses);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flagNames(e.getMessage()));
        }
        return new Options(self.trim(), partners, Path.of(required(given, "--data-dir")), credentials,
                bind == null ? null : bind.trim());
    }

    /** A message about raft.* settings, with the witness's flags named instead. */
    private static String flagNames(String message) {
        return message.replace("raft.client_cafile", "--client-cafile").replace("raft.certfile", "--certfile")
                .replace("raft.keyfile", "--keyfile").replace("raft.cafile", "--cafile")
                .replace("raft.client_password", "--client-password-file")
                .replace("raft.client_port_offset", "--client-port-offset").replace("raft.password", "--password-file")
                .replace("raft.insecure: true", "--insecure true").replace("raft.insecure", "--insecure");
    }

    /** From the password file of {@code flag} (one per line, current first) or else the variable; empty for none. */
    private static List<String> passwords(String flag, String file, String fromEnv) {
        if (file == null) return fromEnv == null || fromEnv.isEmpty() ? List.of() : List.of(fromEnv);
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(Path.of(file)).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
        if (lines.isEmpty()) throw new IllegalArgumentException(flag + " " + file + " holds no password");
        return lines;
    }

    private static String required(Map<String, String> given, String flag) {
        String v = given.get(flag);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(flag + " (or " + FLAGS.get(flag) + ") is required");
        }
        return v;
    }
}
