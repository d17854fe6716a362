package dev.regent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code patronictl} (Patroni's own client) against a cluster on etcd v3, with a small config file
 * naming the cluster's scope, namespace and etcd endpoint. Each call blocks until patronictl exits (bounded by a
 * timeout). Thread-safe (no mutable state).
 */
public final class PatroniCtl {
    /** Output of one run: exit code and merged stdout/stderr. */
    public record Result(int exitCode, String output) {
        public Result assertOk(String what) {
            if (exitCode != 0) throw new AssertionError("patronictl " + what + " exited " + exitCode + ":\n" + output);
            return this;
        }
    }

    private final Path config;

    private PatroniCtl(Path config) {
        this.config = config;
    }

    /** Write {@code dir/patronictl.yml} for {@code scope} under {@code namespace} on the etcd v3 at {@code etcd}. */
    public static PatroniCtl forEtcd3(Path dir, String scope, String namespace, String etcdHostPort) {
        return write(dir, scope, namespace, "etcd3:\n  hosts: " + etcdHostPort);
    }

    /** Write {@code dir/patronictl.yml} for {@code scope} under {@code namespace} on the ZooKeeper at {@code hostPort}. */
    public static PatroniCtl forZooKeeper(Path dir, String scope, String namespace, String hostPort) {
        return write(dir, scope, namespace, "zookeeper:\n  hosts: " + hostPort);
    }

    /**
     * Write {@code dir/patronictl.yml} for {@code scope} under {@code namespace} on etcd's v2 API at {@code hostPort}.
     */
    public static PatroniCtl forEtcdV2(Path dir, String scope, String namespace, String hostPort) {
        return write(dir, scope, namespace, "etcd:\n  host: " + hostPort);
    }

    /** Write {@code dir/patronictl.yml} for {@code scope} in {@code namespace} on the Consul agent {@code hostPort}. */
    public static PatroniCtl forConsul(Path dir, String scope, String namespace, String hostPort) {
        return write(dir, scope, namespace, "consul:\n  host: " + hostPort);
    }

    private static PatroniCtl write(Path dir, String scope, String namespace, String storeSection) {
        Path cfg = dir.resolve("patronictl.yml");
        try {
            Files.writeString(cfg, "scope: " + scope + "\nnamespace: " + namespace + "\n" + storeSection + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cfg, e);
        }
        return new PatroniCtl(cfg);
    }

    public Path config() {
        return config;
    }

    /**
     * Append {@code yaml} (top-level sections, e.g. a {@code ctl:} section with TLS settings) to the config file.
     *
     * @return this
     */
    public PatroniCtl withSections(String yaml) {
        try {
            Files.writeString(config, Files.readString(config) + yaml + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        return this;
    }

    /** {@code patronictl -c CONFIG args...}; fails when it does not exit within 90 s. */
    public Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("patronictl", "-c", config.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close(); // never wait for a prompt answer
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("patronictl " + String.join(" ", args) + " did not exit in 90 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd + " (is Debian's patroni installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
