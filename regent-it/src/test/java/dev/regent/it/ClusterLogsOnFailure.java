package dev.regent.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the daemon and postgres logs of every cluster still open, and the output of every HAProxy still running,
 * when a test fails (registered for every test class of this module through the JUnit extension service file): a
 * failure seen only in CI, under its load, can then be traced from CI's output, where the cluster directories no longer exist.
 */
public final class ClusterLogsOnFailure implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        String logs = LocalCluster.logsOfOpenClusters(150) + dev.regent.testkit.HaproxyProcess.logsOfOpen(60);
        if (logs.isEmpty()) return;
        System.out.println("==== " + context.getDisplayName() + " failed (" + cause + "); logs of the open clusters:\n"
                + logs + "==== end of logs");
    }
}
