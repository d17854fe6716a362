package dev.regent.daemon.ledger;

import dev.regent.core.ledger.LedgerEntry;
import dev.regent.daemon.view.DecisionJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's file: one JSON entry per line ({@link DecisionJson#line}), {@code <dir>/<member>.decisions.jsonl}, so
 * several members may share a directory. Appended to after every recorded decision; once it holds twice
 * {@code keep} lines it is rewritten with the last {@code keep} (a temporary file moved into place), so it never
 * holds more than {@code 2 * keep} entries. Not thread-safe: the HA loop's thread owns it.
 *
 * <p>A file that cannot be read or written never stops the node: the ledger goes on in memory and the problem is
 * logged once (WARNING) until writing works again.
 */
final class DecisionFile {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionFile.class);
    private final Path path;
    private final int keep;
    private int lines;
    private String lastProblem;

    DecisionFile(Path dir, String member, int keep) {
        this.path = dir.resolve(fileName(member));
        this.keep = keep;
    }

    /** {@code <member>.decisions.jsonl}, with characters other than letters, digits, '.', '-' and '_' as '_'. */
    static String fileName(String member) {
        String safe = member.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.startsWith(".")) safe = "_" + safe.substring(1);
        return safe + ".decisions.jsonl";
    }

    Path path() {
        return path;
    }

    /**
     * The last {@code keep} entries of the file (none when it does not exist). Lines that are no entry (a line cut by
     * a crash, an edit) are skipped with a WARNING naming the file and line.
     */
    List<LedgerEntry> load() {
        if (!Files.exists(path)) return List.of();
        List<String> text;
        try {
            text = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not read the decision ledger {}: {}; starting with an empty one", path, e.getMessage());
            return List.of();
        }
        Deque<LedgerEntry> out = new ArrayDeque<>();
        int n = 0;
        for (String line : text) {
            n++;
            if (line.isBlank()) continue;
            try {
                out.addLast(DecisionJson.parse(line));
                if (out.size() > keep) out.removeFirst();
            } catch (IllegalArgumentException e) {
                LOG.warn("{}:{}: skipped, not a decision: {}", path, n, e.getMessage());
            }
        }
        lines = text.size();
        return new ArrayList<>(out);
    }

    /** Appends {@code e}; {@code all} (the in-memory ledger, ending with {@code e}) is written when compacting. */
    void append(LedgerEntry e, List<LedgerEntry> all) {
        try {
            Files.createDirectories(path.getParent());
            if (lines + 1 > 2 * keep) {
                rewrite(all.size() > keep ? all.subList(all.size() - keep, all.size()) : all);
            } else {
                Files.writeString(path, DecisionJson.line(e) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
                lines++;
            }
            if (lastProblem != null) LOG.info("the decision ledger {} is written again", path);
            lastProblem = null;
        } catch (IOException | UncheckedIOException ex) {
            String problem = ex.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.warn("could not write the decision ledger {}: {}; decisions are kept in memory only", path,
                        problem);
            }
            lastProblem = problem;
        }
    }

    private void rewrite(List<LedgerEntry> entries) throws IOException {
        StringBuilder b = new StringBuilder();
        for (LedgerEntry x : entries) b.append(DecisionJson.line(x)).append('\n');
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.UTF_8);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        lines = entries.size();
    }
}
