package dev.regent.daemon.view;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * patronictl's {@code print_output}: rows printed as a PrettyTable-style frame ({@code pretty}, optionally with a
 * title injected into the top rule), as delimiter-separated lines ({@code tsv}), or as a list of objects
 * ({@code json}, {@code yaml}; empty cells are left out when the table has a title, as patronictl does).
 * Cells may be multi-line; then every row gets a rule. Not thread-safe (build, then print).
 */
public final class Table {
    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();
    private final Set<String> rightAligned;
    private String title;

    public Table(List<String> columns, Set<String> rightAligned) {
        this.columns = List.copyOf(columns);
        this.rightAligned = rightAligned;
    }

    public Table title(String title) {
        this.title = title;
        return this;
    }

    public Table add(List<Object> row) {
        rows.add(new ArrayList<>(row));
        return this;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<Object>> rows() {
        return rows;
    }

    /** Prints in {@code format} ({@code pretty}, {@code tsv}, {@code json}, {@code yaml}/{@code yml}). */
    public void print(PrintStream out, OutputFormat format, String delimiter) {
        switch (format) {
            case JSON -> out.println(PyJson.dumps(elements()));
            case YAML -> out.print(YamlText.dump(elements(), false));
            case TSV -> {
                if (!columns.isEmpty()) out.println(String.join(delimiter, columns));
                for (List<Object> r : rows) out.println(String.join(delimiter, r.stream().map(Table::text).toList()));
            }
            default -> out.println(pretty());
        }
    }

    private List<Map<String, Object>> elements() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<Object> r : rows) {
            Map<String, Object> e = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(i);
                if (title != null && text(v).isEmpty()) continue;
                e.put(columns.get(i), v);
            }
            out.add(e);
        }
        return out;
    }

    /** Python's {@code str()} of a cell. */
    static String text(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        return v.toString();
    }

    public String pretty() {
        int n = columns.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) w[i] = columns.get(i).length();
        boolean multiline = false;
        for (List<Object> r : rows) {
            for (int i = 0; i < n; i++) {
                for (String line : text(r.get(i)).split("\n", -1)) w[i] = Math.max(w[i], line.length());
                multiline |= text(r.get(i)).contains("\n");
            }
        }
        StringBuilder rule = new StringBuilder("+");
        for (int x : w) rule.append("-".repeat(x + 2)).append('+');
        StringBuilder sb = new StringBuilder();
        String top = rule.toString();
        if (title != null) {
            String t = title.length() > top.length() - 2 ? title.substring(0, top.length() - 2) : title;
            top = top.charAt(0) + t + top.substring(1 + t.length());
        }
        sb.append(top).append('\n');
        sb.append(line(new ArrayList<>(columns), w)).append(rule).append('\n');
        for (int r = 0; r < rows.size(); r++) {
            sb.append(line(rows.get(r), w));
            if (multiline && r < rows.size() - 1) sb.append(rule).append('\n');
        }
        sb.append(rule);
        return sb.toString();
    }

    private String line(List<?> cells, int[] w) {
        List<String[]> split = new ArrayList<>();
        int height = 1;
        for (Object c : cells) {
            String[] lines = text(c).split("\n", -1);
            split.add(lines);
            height = Math.max(height, lines.length);
        }
        StringBuilder sb = new StringBuilder();
        for (int h = 0; h < height; h++) {
            sb.append('|');
            for (int i = 0; i < w.length; i++) {
                String[] lines = split.get(i);
                String cell = h < lines.length ? lines[h] : "";
                String pad = " ".repeat(w[i] - cell.length());
                boolean right = rightAligned.contains(columns.get(i));
                sb.append(' ').append(right ? pad + cell : cell + pad).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
