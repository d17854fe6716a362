package dev.regent.daemon.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.config.WatchdogSettings;
import dev.regent.core.config.WatchdogSettings.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog as Patroni runs it. No watchdog device or softdog module exists in this container, so the Linux driver
 * is exercised on a FIFO (which takes the keepalive and magic-close bytes but answers no ioctl), the facade on a
 * recording device at the port level (as Patroni's own tests), and Patroni's testing driver end to end on a FIFO.
 */
class WatchdogTest {
    @TempDir
    Path dir;

    /** A FIFO with a reader thread collecting every byte written to it. */
    private final class Fifo implements AutoCloseable {
        final Path path;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Thread reader;

        Fifo(String name) throws Exception {
            path = dir.resolve(name);
            Process p = new ProcessBuilder("mkfifo", path.toString()).start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
            reader = new Thread(() -> {
                try (InputStream in = Files.newInputStream(path)) {
                    int b;
                    while ((b = in.read()) != -1) {
                        synchronized (bytes) {
                            bytes.write(b);
                        }
                    }
                } catch (IOException ignored) {
                    // the test ends
                }
            });
            reader.start();
            // Blocks until the reader thread has the FIFO open. The device opens it O_RDWR, which never waits for a
            // reader, and bytes written and closed before any reader opened are lost (seen under load: "" read).
            keeper = Files.newOutputStream(path);
        }

        final java.io.OutputStream keeper;

        /** The device closed: with the last writer gone the reader sees end of file. */
        void writersDone() throws IOException {
            keeper.close();
        }

        String seen() throws InterruptedException {
            Thread.sleep(100);
            synchronized (bytes) {
                return bytes.toString();
            }
        }

        @Override
        public void close() throws Exception {
            keeper.close();
            reader.join(2000);
        }
    }

    @Test
    void theLinuxDriverWritesKeepalivesAndTheMagicCloseAndNamesTheIoctlThatFailed() throws Exception {
        try (Fifo fifo = new Fifo("watchdog")) {
            LinuxWatchdogDevice d = new LinuxWatchdogDevice(fifo.path.toString());
            assertThat(d.isHealthy()).isTrue();
            d.open();
            d.keepalive();
            d.keepalive();
            assertThatThrownBy(d::getTimeout).isInstanceOf(WatchdogException.class)
                    .hasMessageContaining("WDIOC_GETTIMEOUT on " + fifo.path + " failed");
            assertThatThrownBy(d::canSetTimeout).isInstanceOf(WatchdogException.class)
                    .hasMessageContaining("WDIOC_GETSUPPORT");
            d.close();
            assertThat(d.isOpen()).isFalse();
            fifo.writersDone();
            fifo.reader.join(2000);
            assertThat(fifo.seen()).isEqualTo("11V");
        }
        // linux/watchdog.h on the generic architectures
        assertThat(LinuxWatchdogDevice.WDIOC_SETTIMEOUT).isEqualTo(0xC0045706L);
        assertThat(LinuxWatchdogDevice.WDIOC_GETTIMEOUT).isEqualTo(0x80045707L);
        assertThat(LinuxWatchdogDevice.WDIOC_GETSUPPORT).isEqualTo(0x80285700L);
    }

    @Test
    void requiredWithAMissingDeviceIsUnhealthyAndCannotLead() {
        Watchdog w = Watchdog.of(new WatchdogSettings(Mode.REQUIRED, dir.resolve("missing").toString(), 5, null));
        assertThat(w.isHealthy(30, 10)).isFalse();
        assertThat(w.lead(30, 10)).isFalse();
        assertThat(w.isRunning()).isFalse();
    }

    @Test
    void automaticWithAMissingDeviceGoesOnWithoutOne() {
        Watchdog w = Watchdog.of(new WatchdogSettings(Mode.AUTOMATIC, dir.resolve("missing").toString(), 5, null));
        assertThat(w.isHealthy(30, 10)).isTrue();
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(w.isRunning()).isFalse();
    }

    @Test
    void requiredOnALinuxDeviceThatCannotSetItsTimeoutFailsAndIsClosedWithTheMagicCharacter() throws Exception {
        try (Fifo fifo = new Fifo("not-a-watchdog")) {
            Watchdog w = Watchdog.of(new WatchdogSettings(Mode.REQUIRED, fifo.path.toString(), 5, null));
            assertThat(w.lead(30, 10)).as("no timeout can be set on a FIFO").isFalse();
            assertThat(w.isRunning()).isFalse();
            assertThat(w.isHealthy(30, 10)).as("failed until restarted").isFalse();
            fifo.writersDone();
            fifo.reader.join(2000);
            assertThat(fifo.seen()).isEqualTo("V");
        }
    }

    @Test
    void theTestingDriverRunsTheWholeCycleOnAFifo() throws Exception {
        try (Fifo fifo = new Fifo("testing")) {
            Watchdog w = Watchdog.of(new WatchdogSettings(Mode.REQUIRED, fifo.path.toString(), 5, "testing"));
            assertThat(w.isHealthy(30, 10)).isTrue();
            assertThat(w.lead(30, 10)).as("activated").isTrue();
            assertThat(w.isRunning()).isTrue();
            assertThat(w.lead(30, 10)).isTrue();
            assertThat(w.lead(30, 10)).isTrue();
            w.disable();
            assertThat(w.isRunning()).isFalse();
            fifo.writersDone();
            fifo.reader.join(2000);
            assertThat(fifo.seen()).as("two keepalives, then the magic close").isEqualTo("11V");
        }
    }

    /** A device at the port level, recording what the facade asks (Patroni's tests use a mock device the same way). */
    private static final class Recording implements WatchdogDevice {
        final List<String> calls = new ArrayList<>();
        boolean open;
        boolean settable = true;
        int timeout = 60;
        boolean broken;

        @Override public void open() throws WatchdogException {
            if (broken) throw new WatchdogException("Can't open watchdog device: broken");
            open = true;
            calls.add("open");
        }
        @Override public boolean isOpen() { return open; }
        @Override public void close() { if (open) calls.add("close"); open = false; }
        @Override public void keepalive() { calls.add("keepalive"); }
        @Override public boolean canSetTimeout() { return settable; }
        @Override public boolean canBeDisabled() { return true; }
        @Override public void setTimeout(int s) { calls.add("setTimeout " + s); timeout = s; }
        @Override public int getTimeout() { return timeout; }
        @Override public boolean isHealthy() { return true; }
        @Override public String describe() { return "recording"; }
    }

    @Test
    void theTimeoutIsTtlMinusTheSafetyMarginAndFollowsTtlChanges() {
        Recording d = new Recording();
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.REQUIRED, "/dev/x", 5, null), s -> d);
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(w.lead(40, 10)).isTrue();
        w.disable();
        assertThat(d.calls).containsExactly("open", "setTimeout 25", "keepalive", "setTimeout 35", "close");
    }

    @Test
    void safetyMarginMinusOneMeansHalfTheTtl() {
        Recording d = new Recording();
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.REQUIRED, "/dev/x", -1, null), s -> d);
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(d.calls).containsExactly("open", "setTimeout 15");
    }

    @Test
    void requiredFailsWhenTheDeviceKeepsATimeoutLongerThanSafe() {
        Recording d = new Recording();
        d.settable = false;  // e.g. a hardware watchdog fixed at 60 s
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.REQUIRED, "/dev/x", 5, null), s -> d);
        assertThat(w.lead(30, 10)).isFalse();
        assertThat(d.calls).containsExactly("open", "close");
        Recording auto = new Recording();
        auto.settable = false;
        Watchdog automatic = new Watchdog(new WatchdogSettings(Mode.AUTOMATIC, "/dev/x", 5, null), s -> auto);
        assertThat(automatic.lead(30, 10)).as("automatic: a warning, and the watchdog runs").isTrue();
        assertThat(automatic.isRunning()).isTrue();
    }

    @Test
    void requiredIsUnhealthyWhenTtlLeavesNoTimingSlack() {
        Recording d = new Recording();
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.REQUIRED, "/dev/x", 5, null), s -> d);
        assertThat(w.isHealthy(20, 16)).as("timeout 15 < loop_wait 16").isFalse();
        assertThat(w.lead(20, 16)).isFalse();
        assertThat(d.calls).isEmpty();
    }

    @Test
    void modeOffTouchesNoDevice() {
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.OFF, "/dev/x", 5, null), s -> {
            throw new AssertionError("no device with mode off");
        });
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(w.isHealthy(30, 10)).isTrue();
        assertThat(w.isRunning()).isFalse();
        w.disable();
    }

    private static WatchdogSettings required(String device, int margin) {
        return new WatchdogSettings(Mode.REQUIRED, device, margin, null);
    }

    @Test
    void reloadingModeOffWhileRunningClosesTheDeviceAtOnce() throws Exception {
        try (Fifo fifo = new Fifo("reload-off")) {
            Watchdog w = Watchdog.of(new WatchdogSettings(Mode.REQUIRED, fifo.path.toString(), 5, "testing"));
            assertThat(w.lead(30, 10)).isTrue();
            assertThat(w.lead(30, 10)).isTrue();
            w.reload(new WatchdogSettings(Mode.OFF, fifo.path.toString(), 5, "testing"));
            assertThat(w.isRunning()).as("closed by the reload, before any keepalive").isFalse();
            assertThat(w.lead(30, 10)).as("off: leading needs no watchdog").isTrue();
            assertThat(w.isRunning()).isFalse();
            assertThat(w.isHealthy(30, 10)).isTrue();
            fifo.writersDone();
            fifo.reader.join(2000);
            assertThat(fifo.seen()).as("one keepalive, the magic close, nothing after").isEqualTo("1V");
        }
    }

    @Test
    void aChangeWhileRunningIsAppliedAtTheNextKeepaliveOnTheNewDeviceWithTheNewTimeout() {
        java.util.Map<String, Recording> made = new java.util.LinkedHashMap<>();
        Watchdog w = new Watchdog(required("/dev/a", 5), s -> {
            Recording r = new Recording();
            made.put(s.device(), r);
            return r;
        });
        assertThat(w.lead(30, 10)).isTrue();
        w.reload(required("/dev/b", 10));
        assertThat(made).as("nothing touched until the next keepalive").containsOnlyKeys("/dev/a");
        assertThat(w.settings().device()).isEqualTo("/dev/a");
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(made.get("/dev/a").calls).containsExactly("open", "setTimeout 25", "keepalive", "close");
        assertThat(made.get("/dev/b").calls).containsExactly("open", "setTimeout 20");
        assertThat(w.settings()).isEqualTo(required("/dev/b", 10));
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(made.get("/dev/b").calls).containsExactly("open", "setTimeout 20", "keepalive");
    }

    @Test
    void reloadingTheSameSettingsWhileRunningChangesNothing() {
        Recording d = new Recording();
        Watchdog w = new Watchdog(required("/dev/a", 5), s -> d);
        assertThat(w.lead(30, 10)).isTrue();
        w.reload(required("/dev/b", 5));
        w.reload(required("/dev/a", 5));  // changed back before the keepalive: nothing pending
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(d.calls).containsExactly("open", "setTimeout 25", "keepalive");
    }

    @Test
    void aReloadWhileNotRunningAppliesAtOnceAndRetriesADeviceThatHadFailed() {
        Recording d = new Recording();
        d.broken = true;
        Watchdog w = new Watchdog(required("/dev/a", 5), s -> d);
        assertThat(w.lead(30, 10)).isFalse();
        assertThat(w.isHealthy(30, 10)).as("failed").isFalse();
        d.broken = false;  // the operator fixed the device
        assertThat(w.lead(30, 10)).as("a failure stays until restart or reload").isFalse();
        w.reload(required("/dev/a", 8));
        assertThat(w.isHealthy(30, 10)).isTrue();
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(d.calls).containsExactly("open", "setTimeout 22");
    }

    @Test
    void requiredReloadedWithoutTimingSlackMakesTheLeaderUnhealthyAtOnceAndFailsAtTheKeepalive() {
        Recording a = new Recording();
        Recording b = new Recording();
        Watchdog w = new Watchdog(required("/dev/a", 5), s -> s.device().equals("/dev/a") ? a : b);
        assertThat(w.lead(30, 10)).isTrue();
        w.reload(required("/dev/b", 25));  // timeout 5 < loop_wait 10
        assertThat(w.isHealthy(30, 10)).as("judged by the newest configuration, as Patroni").isFalse();
        assertThat(w.lead(30, 10)).as("the new settings cannot be activated").isFalse();
        assertThat(w.isRunning()).isFalse();
        assertThat(a.calls).containsExactly("open", "setTimeout 25", "keepalive", "close");
        assertThat(b.calls).isEmpty();
    }

    @Test
    void turningAWatchdogOnByReloadActivatesItWhenTheNodeNextLeads() {
        Recording d = new Recording();
        Watchdog w = new Watchdog(new WatchdogSettings(Mode.OFF, "/dev/a", 5, null), s -> d);
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(d.calls).isEmpty();
        w.reload(required("/dev/a", 5));
        assertThat(w.isRunning()).isFalse();
        assertThat(w.lead(30, 10)).isTrue();
        assertThat(w.isRunning()).isTrue();
        assertThat(d.calls).containsExactly("open", "setTimeout 25");
    }
}
