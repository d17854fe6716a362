package dev.regent.ctl;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts, laid out like Python's {@code difflib.unified_diff} without file names (what
 * {@code patronictl edit-config} prints when stdout is not a terminal): {@code --- }, {@code +++ }, then hunks with
 * three lines of context. Line matching is a longest common subsequence (configs are small). Stateless.
 */
public final class UnifiedDiff {
    private static final int CONTEXT = 3;

    private UnifiedDiff() {}

    private record Op(char kind, String line, int a, int b) {}

    public static List<String> diff(String before, String after) {
        List<String> a = lines(before);
        List<String> b = lines(after);
        List<Op> ops = ops(a, b);
        List<String> out = new ArrayList<>();
        if (ops.stream().allMatch(o -> o.kind == ' ')) return out;
        out.add("--- ");
        out.add("+++ ");
        int i = 0;
        while (i < ops.size()) {
            if (ops.get(i).kind == ' ') {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = i;
            int lastChange = i;
            while (end < ops.size()) {
                if (ops.get(end).kind != ' ') lastChange = end;
                else if (end - lastChange > 2 * CONTEXT) break;
                end++;
            }
            end = Math.min(ops.size(), lastChange + CONTEXT + 1);
            out.add(header(ops.subList(start, end)));
            for (Op o : ops.subList(start, end)) out.add(o.kind + o.line);
            i = end;
        }
        return out;
    }

    private static String header(List<Op> hunk) {
        int aStart = -1;
        int bStart = -1;
        int aLen = 0;
        int bLen = 0;
        for (Op o : hunk) {
            if (o.kind != '+') {
                if (aStart < 0) aStart = o.a;
                aLen++;
            }
            if (o.kind != '-') {
                if (bStart < 0) bStart = o.b;
                bLen++;
            }
        }
        if (aStart < 0) aStart = hunk.get(0).a;
        if (bStart < 0) bStart = hunk.get(0).b;
        return "@@ -" + range(aStart, aLen) + " +" + range(bStart, bLen) + " @@";
    }

    /** difflib's {@code _format_range_unified}. */
    private static String range(int start0, int len) {
        int beginning = start0 + 1;
        if (len == 1) return Integer.toString(beginning);
        if (len == 0) beginning--;
        return beginning + "," + len;
    }

    private static List<Op> ops(List<String> a, List<String> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Op> ops = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                ops.add(new Op(' ', a.get(i), i++, j++));
            } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add(new Op('-', a.get(i), i++, j)); // deletions first, as difflib prints a replaced block
            } else {
                ops.add(new Op('+', b.get(j), i, j++));
            }
        }
        return ops;
    }

    private static List<String> lines(String s) {
        String t = s.replaceAll("\n+$", "");
        return new ArrayList<>(List.of(t.split("\n", -1)));
    }
}
