package dev.regent.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The compact story of one run: decisions, messages, faults and findings per node with simulated timestamps. Two runs
 * of the same seed produce equal traces (tested), which is what makes a printed replay command exact.
 */
public final class Trace {
    /** One line of the story; {@code node} is "-" for cluster-wide lines (faults, client, checker). */
    public record Line(long at, String node, String text) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%8.3fs %-4s %s", at / 1000.0, node, text);
        }
    }

    private final Scheduler time;
    private final List<Line> lines = new ArrayList<>();

    public Trace(Scheduler time) {
        this.time = time;
    }

    public void add(String node, String text) {
        lines.add(new Line(time.now(), node, text));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The last {@code max} lines, one per line of text. */
    public String tail(int max) {
        StringBuilder b = new StringBuilder();
        int from = Math.max(0, lines.size() - max);
        if (from > 0) b.append("  ... ").append(from).append(" earlier lines\n");
        for (int i = from; i < lines.size(); i++) b.append("  ").append(lines.get(i)).append('\n');
        return b.toString();
    }
}
