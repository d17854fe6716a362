package dev.regent.daemon.wiring;

import dev.regent.core.config.EffectiveConfig;
import dev.regent.core.config.NodeConfig;
import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.daemon.Versions;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.daemon.loop.PeerProber;
import dev.regent.daemon.rest.RestApiServer;
import dev.regent.dcs.Dcs;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.PatroniDcs;
import dev.regent.postgres.Postgresql;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Regent node: wires configuration, DCS, PostgreSQL, the HA loop and the REST API, and owns their lifecycle.
 * {@link #run()} blocks until the process is told to stop (SIGTERM/SIGINT), then shuts down like Patroni: stop
 * postgres (unless paused) and release the leader lock.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final Path configPath;
    private final NodeConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final dev.regent.daemon.systemd.SystemdNotify systemd =
            dev.regent.daemon.systemd.SystemdNotify.fromEnvironment(System.getenv());
    private EffectiveSettings settings;
    private PatroniDcs dcs;
    private PostgresAdapter pg;
    private HaLoop loop;
    private RestApiServer rest;
    private final Ticker ticker;
    private final Sleeper sleeper;

    public Daemon(Path configPath, NodeConfig config) {
        this(configPath, config, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** A daemon whose waits and timestamps outside the HA loop read {@code ticker} and wait with {@code sleeper}. */
    public Daemon(Path configPath, NodeConfig config, Ticker ticker, Sleeper sleeper) {
        this.configPath = configPath;
        this.config = config;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    /** The DCS backend named by the configuration (see {@link DcsStores}). */
    public static KeyValueStore store(NodeConfig config, int ttl, int retryTimeout) {
        return DcsStores.open(config.dcs(), Duration.ofSeconds(ttl), Duration.ofSeconds(retryTimeout));
    }

    /** Start everything and block until stopped. Returns the process exit code. */
    public int run() throws Exception {
        // certificates first: a node whose HTTPS cannot work must not join the cluster
        dev.regent.daemon.tls.ServerTls serverTls = RestSecurity.loadTls(config.restapi());
        HttpClient peers = RestSecurity.peerClient(config.ctlTls());
        settings = new EffectiveSettings(config);
        EffectiveConfig eff = settings.current();
        for (String line : eff.describe()) LOG.info("effective: {}", line);
        KeyValueStore store = DcsStores.open(config.dcs(), Duration.ofSeconds(eff.ttl()),
                Duration.ofSeconds(eff.retryTimeout()), ticker, sleeper);
        dcs = new PatroniDcs(store, config.namespace(), config.scope(), config.name(), ticker);
        if (otherNodeWithMyNameRuns()) {
            LOG.error(dev.regent.daemon.log.PatroniLevels.CRITICAL, "Can't start; there is already a node named '{}'"
                    + " running", config.name());
            dcs.close();
            return 1;
        }
        String refusal = checkDynamicConfigurationAtStart();
        if (refusal != null) {
            LOG.error("Can't start: the dynamic configuration enables {}", refusal);
            dcs.close();
            return 1;
        }
        if ("root".equals(System.getProperty("user.name"))) {
            LOG.info("running as root: PostgreSQL refuses to run as root, so its binaries run as the OS user"
                    + " 'postgres', which owns the data directory");
        }
        Postgresql postgresql = new Postgresql(config.postgresql(), config.scope(), config.name(), ticker, sleeper);
        pg = new PostgresAdapter(postgresql, config);
        StatusPublisher status = new StatusPublisher(config.scope(), config.name(), pg::lastStatus, ticker);
        PeerProber prober = new PeerProber(Ticker.SYSTEM, peers);
        MemberDataBuilder member = new MemberDataBuilder(pg.connUrl(),
                config.restapi().scheme() + "://" + config.restapi().connectAddress() + "/patroni",
                Versions.PATRONI_COMPATIBLE, postgresql.proxyUrl());
        loop = new HaLoop(config.name(), dcs, pg, HaDecider::decide, settings, member, status,
                new dev.regent.daemon.loop.LoopEnvironment(ticker, sleeper, dev.regent.daemon.loop.BackgroundSlot::new,
                        prober, dev.regent.daemon.loop.ExitHook.HALT));
        var auth = config.restapi().authentication();
        boolean authSet = auth != null && auth.isSet();
        loop.setFailsafeCaller(new dev.regent.daemon.loop.HttpFailsafeCaller(ticker,
                authSet ? auth.username() : null, authSet ? auth.password() : null, peers));
        DaemonControl control = new DaemonControl(config.name(), dcs, loop, prober, status, this::reloadConfigFile,
                new LiveWal(postgresql::walNow), ticker, sleeper);
        dev.regent.daemon.ledger.DecisionBook decisions = decisionBook();
        // systemd (Type=notify): ready once the REST API serves (started below, before the loop) and a first HA
        // cycle has run, as Patroni 4.1
        loop.setDecisionObserver((in, d, failed, outcome) -> {
            decisions.observe(in, d, failed, outcome);
            systemd.ready();
            dev.regent.daemon.ClassArchive.afterStart(sleeper); // the classes a node loads are loaded: archive them
        });
        control.setDecisions(decisions);
        loop.setDeduplicateHeartbeatLogs(config.log().deduplicateHeartbeatLogs());
        loop.setSettingsListener(s -> {
            EffectiveConfig e = settings.current();
            postgresql.setRecoveryConf(recoveryConf(e.postgresql().get("recovery_conf")));
            postgresql.setPgHbaAndIdent(lines(e.postgresql().get("pg_hba")), lines(e.postgresql().get("pg_ident")));
            pg.applyParameters(withForcedHotStandbyFeedback(e.postgresqlParameters(), s), e.usePgRewind());
            pg.setUseSlots(e.useSlots());
        });
        status.setScheduledRestartSource(() -> {
            var scheduled = loop.scheduledRestart();
            return scheduled == null ? null : scheduled.published();
        });
        // listen, basic auth, backlog, threads, HTTPS, allowlist, extra headers
        RestApiServer.Options opts = RestSecurity.options(config.restapi(), serverTls).withTime(ticker, sleeper);
        rest = new RestApiServer(opts, status, control);
        rest.setDashboard(config.dashboard().enabled());
        rest.start();
        if (serverTls != null) {
            RestSecurity.warmUp(peers, "https://" + config.restapi().connectAddress() + "/liveness");
        }
        LOG.info("Regent {} (Patroni {} compatible) starting node {} of cluster {}; REST API on {}",
                Versions.regent(), Versions.PATRONI_COMPATIBLE, config.name(), config.scope(),
                config.restapi().listen());
        installSignals();
        status.setLiveWalReader(postgresql::walNow);
        loop.setStatusEvents(status);
        status.setFailsafeState(loop.failsafe());
        dev.regent.daemon.watchdog.Watchdog watchdog = dev.regent.daemon.watchdog.Watchdog.of(
                dev.regent.core.config.WatchdogSettings.from(config.raw().get("watchdog")));
        loop.setWatchdog(watchdog);
        status.setWatchdog(watchdog);
        loop.start();
        PostmasterWatch watch = new PostmasterWatch(postgresql::postmasterPid, () -> {
            status.postmasterExited();  // the REST status follows at once, the next cycle decides
            loop.wakeUp();
        }, ticker, sleeper);
        // The watch may not know the postmaster yet (it looks one up once a second); postmaster.pid itself is the
        // truth pg_ctl uses: once it is gone (pg_ctl stop -w has returned), postgres no longer runs.
        status.setPostmasterExitedCheck(() -> watch.knownPostmasterExited() || postgresql.postmasterPid().isEmpty());
        status.setPostmasterStatusCheck(postgresql::postmasterStatus);
        watch.start();
        stopped.await();
        return 0;
    }

    /**
     * The decision ledger ({@code regent.decisions}): its file in {@code dir}, by default next to the data directory;
     * loaded now, so {@code GET /decisions} tells the story from before this start.
     */
    private dev.regent.daemon.ledger.DecisionBook decisionBook() {
        var d = config.decisions();
        java.nio.file.Path dir = d.dir() != null ? java.nio.file.Path.of(d.dir())
                : dev.regent.daemon.ledger.DecisionBook.defaultDir(config.postgresql().dataDir());
        var book = new dev.regent.daemon.ledger.DecisionBook(dir, config.name(), d.keep());
        LOG.info("decision ledger: {} (keeps {}; {} loaded)", book.path(), d.keep(), book.entries().size());
        return book;
    }

    /** Patroni's start-up guard: a member with my name whose REST API answers /liveness is another live process. */
    private boolean otherNodeWithMyNameRuns() {
        try {
            ClusterView c = dcs.load();
            Member m = c.member(config.name()).orElse(null);
            if (m == null || m.apiUrl() == null) return false;
            URI liveness = URI.create(m.apiUrl().replaceAll("/patroni$", "") + "/liveness");
            HttpResponse<Void> r = RestSecurity.peerClient(config.ctlTls()).send(
                    HttpRequest.newBuilder(liveness).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (DcsException e) {
            LOG.warn("DCS not accessible at start-up: {}", e.getMessage());
            return false;
        } catch (Exception e) {
            return false; // nobody answers: the member key is a leftover of a previous run of this node
        }
    }

    /**
     * The ERROR-class unsupported settings of the effective dynamic configuration ({@code /config}, else the cached
     * {@code patroni.dynamic.json}, else {@code bootstrap.dcs}) as one message, or null; WARNING-class ones are
     * logged. A node refuses to start on them as it does on its own file's; once running, it only reports them.
     */
    private String checkDynamicConfigurationAtStart() {
        ClusterView cluster = null;
        try {
            cluster = dcs.load();
        } catch (DcsException e) {
            LOG.debug("DCS not accessible at start-up, checking the cached dynamic configuration", e);
        }
        settings.settings(cluster);
        List<UnsupportedSettings.Finding> found = UnsupportedSettings.findDynamic(
                settings.current().global().data());
        found.stream().filter(f -> !f.isError())
                .forEach(f -> LOG.warn("dynamic configuration: {}: {}", f.keyAndValue(), f.message()));
        return UnsupportedSettings.refusal(found);
    }

    private void reloadConfigFile() {
        if (configPath == null) return;
        ConfigLoader.Loaded l = ConfigLoader.load(configPath, System.getenv());
        if (l.hasErrors()) {
            l.errors().forEach(e -> LOG.error("reload refused: {}", e));
            return;
        }
        l.warnings().forEach(w -> {
            if (w.ignoredError()) LOG.error("{}", w);
            else LOG.warn("{}", w);
        });
        settings.reload(l.config());
        if (pg != null) pg.reloadConnectionSettings(l.config());
        applyLog(l.config().log());
        if (rest != null) {
            RestSecurity.reload(rest, l.config().restapi());
            rest.setDashboard(l.config().dashboard().enabled());
        }
        dev.regent.daemon.watchdog.Watchdog watchdog = loop.watchdog();
        if (watchdog != null) {
            watchdog.reload(dev.regent.core.config.WatchdogSettings.from(l.config().raw().get("watchdog")));
        }
        LOG.info("configuration file reloaded");
    }

    /** The reloaded {@code log} section; a {@code log.dir} that cannot be written keeps the current logging. */
    private void applyLog(dev.regent.core.config.LogConfig log) {
        try {
            dev.regent.daemon.log.LogSetup.global().apply(log);
        } catch (java.io.IOException e) {
            LOG.error("reload: the log section is not applied, logging stays as it was: {}", e.getMessage());
        }
        loop.setDeduplicateHeartbeatLogs(log.deduplicateHeartbeatLogs());
    }

    /**
     * Patroni forces {@code hot_standby_feedback = on} where permanent logical slots are kept (on a replica, their
     * copies would otherwise lose the catalog rows they need to the primary's vacuum).
     */
    static Map<String, Object> withForcedHotStandbyFeedback(Map<String, Object> parameters,
                                                             dev.regent.core.ha.HaSettings s) {
        boolean logical = s.dynamic().useSlots() && !dev.regent.core.model.Tags.noFailover(s.tags())
                && !dev.regent.core.model.Tags.isTrue(s.tags().get("nostream"))
                && dev.regent.core.slots.SlotPlanner.permanentSlots(s.dynamic()).values().stream()
                        .anyMatch(p -> p != null && !p.physical());
        if (!logical || parameters == null) return parameters;
        Map<String, Object> out = new java.util.LinkedHashMap<>(parameters);
        out.put("hot_standby_feedback", "on");
        return out;
    }

    private void installSignals() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "regent-shutdown"));
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                LOG.info("received SIGHUP, reloading configuration");
                reloadConfigFile();
                loop.submit(new dev.regent.core.ha.Command.Reload());
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled on this platform: {}", e.getMessage());
        }
        try {
            // SIGTERM is the ordinary way to stop (systemctl stop, Kubernetes, kill): shut down as the hook above does
            // and exit 0, as Patroni does. The JVM's default would exit 143, which systemd reports as a failed unit
            // (and Restart=on-failure would not tell it from a crash).
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
                LOG.info("received SIGTERM, shutting down");
                System.exit(0);
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGTERM cannot be handled on this platform: {}", e.getMessage());
        }
    }

    /**
     * Patroni's shutdown: not paused: a synchronous standby first asks to be released from /sync
     * ({@link HaLoop#releaseSyncStandbyBeforeStop}), then postgres stops (fast, before_stop; cut short under
     * primary_stop_timeout in synchronous mode) and, if we are the leader, the lock is released once postgres is down;
     * paused: leave postgres and the lock alone.
     */
    void shutdown() {
        LOG.info("shutting down");
        systemd.stopping();
        dcs.stopping();  // the release below need not wait out retry_timeout on a store that cannot commit any more
        try {
            loop.close();
            ClusterView last = loop.lastCluster();
            boolean paused = last != null && last.isPaused();
            boolean leader = last != null && last.isLeader(config.name());
            if (!paused) {
                try {
                    // a synchronous standby asks the primary to replace it before it goes (Patroni 4)
                    if (!leader) loop.releaseSyncStandbyBeforeStop();
                    long wal = pg.observe().walPosition();
                    Duration timeout = Duration.ofSeconds(config.postgresql().pgCtlTimeoutSeconds());
                    // Patroni 4's shutdown applies primary_stop_timeout too (in synchronous mode)
                    java.util.Optional<Duration> abortAfter = dev.regent.core.sync.PrimaryStopTimeout.forDemote(
                            last == null ? dev.regent.core.model.ClusterConfig.empty() : last.configOrEmpty());
                    if (abortAfter.isPresent()) {
                        pg.stopOrAbort(dev.regent.postgres.StopMode.FAST, timeout, abortAfter.get());
                    } else {
                        pg.stop(dev.regent.postgres.StopMode.FAST, timeout);
                    }
                    // postgres is down: the magic close (Patroni disables the watchdog at the stop's safepoint)
                    if (loop.watchdog() != null && !pg.observe().isRunning()) loop.watchdog().disable();
                    if (leader) {
                        long after = pg.observe().walPosition();
                        dcs.deleteLeader(Math.max(wal, after));
                        LOG.info("leader key released");
                    }
                } catch (Exception e) {
                    LOG.error("error while stopping postgres: {}", e.getMessage());
                }
                dcs.closeSession();
            } else if (loop.watchdog() != null) {
                loop.watchdog().disable();  // paused: Patroni leaves postgres running and disables the watchdog
            }
            rest.close();
            dcs.close();
        } catch (RuntimeException e) {
            LOG.error("error during shutdown", e);
        } finally {
            // the JVM ends when this hook returns: the log writer is a daemon thread, so write its queue first
            dev.regent.daemon.log.LogSetup.flushGlobal();
            stopped.countDown();
        }
    }

    Map<String, Object> describe() {
        return Map.of("name", config.name(), "scope", config.scope());
    }

    /** The effective {@code postgresql.recovery_conf} (local over dynamic) as a map, or null when not a map. */
    /** A list of pg_hba / pg_ident lines from the merged postgresql section, null when absent or not a list. */
    private static List<String> lines(Object v) {
        if (!(v instanceof List<?> l)) {
            return null;
        }
        return l.stream().map(String::valueOf).toList();
    }

    private static Map<String, Object> recoveryConf(Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            return null;
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, x) -> out.put(String.valueOf(k), x));
        return out;
    }
}
