package dev.regent.it;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of {@code jcmd PID VM.native_memory summary} (a JVM started with
 * {@code -XX:NativeMemoryTracking=summary}) read into committed kB per area, in the JVM's order: {@code Java Heap},
 * {@code Class}, {@code Thread}, {@code Code}, {@code GC}, {@code Internal}, {@code Symbol}, {@code Other} (direct
 * buffers), {@code Metaspace}, ... plus the thread count and the committed part of their stacks.
 *
 * @param totalCommittedKb the {@code Total: ... committed=} figure
 * @param committedKb      committed kB per area
 * @param threads          {@code (thread #N)} of the Thread area, -1 when missing
 * @param stackCommittedKb the committed part of the thread stacks, -1 when missing
 */
public record NmtSummary(long totalCommittedKb, Map<String, Long> committedKb, int threads, long stackCommittedKb) {
    private static final Pattern TOTAL = Pattern.compile("^Total:\\s*reserved=(\\d+)KB,\\s*committed=(\\d+)KB");
    private static final Pattern AREA = Pattern.compile(
            "^-\\s+(.+?)\\s+\\(reserved=(\\d+)KB,\\s*committed=(\\d+)KB\\)");
    private static final Pattern THREADS = Pattern.compile("^\\(thread #(\\d+)\\)");
    private static final Pattern STACK = Pattern.compile("^\\(stack:\\s*reserved=(\\d+)KB,\\s*committed=(\\d+)KB\\)");

    /** Parse jcmd's output; throws {@link IllegalArgumentException} when it holds no NMT summary (e.g. NMT is off). */
    public static NmtSummary parse(String jcmdOutput) {
        long total = -1;
        int threads = -1;
        long stack = -1;
        Map<String, Long> areas = new LinkedHashMap<>();
        String area = null;
        for (String raw : jcmdOutput.split("\n")) {
            String line = raw.strip();
            Matcher m;
            if ((m = TOTAL.matcher(line)).find()) {
                total = Long.parseLong(m.group(2));
            } else if ((m = AREA.matcher(line)).find()) {
                area = m.group(1);
                areas.put(area, Long.parseLong(m.group(3)));
            } else if ("Thread".equals(area) && (m = THREADS.matcher(line)).find()) {
                threads = Integer.parseInt(m.group(1));
            } else if ("Thread".equals(area) && (m = STACK.matcher(line)).find()) {
                stack = Long.parseLong(m.group(2));
            }
        }
        if (total < 0 || areas.isEmpty()) {
            String first = jcmdOutput.strip().lines().limit(3).reduce((a, b) -> a + " / " + b).orElse("(empty)");
            throw new IllegalArgumentException("no Native Memory Tracking summary in jcmd output: " + first);
        }
        return new NmtSummary(total, areas, threads, stack);
    }

    /** Committed kB of one area, 0 when the JVM did not list it (NMT omits areas under 1 kB). */
    public long committed(String area) {
        return committedKb.getOrDefault(area, 0L);
    }
}
