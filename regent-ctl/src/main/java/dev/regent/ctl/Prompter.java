package dev.regent.ctl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Click-style prompts on a line-oriented input: {@code Question [default]: } and {@code Question? [y/N]: }. The
 * prompt text goes to {@code out}; an answer is one line of {@code in}. End of input aborts the command
 * ({@code Aborted!}, exit 1) as click does. Not thread-safe; blocks reading the input.
 */
public final class Prompter {
    private final BufferedReader in;
    private final PrintStream out;

    public Prompter(InputStream in, PrintStream out) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = out;
    }

    /** Asks for a value; an empty answer yields {@code dflt} (null = no default: the question is asked again). */
    public String prompt(String text, String dflt) {
        while (true) {
            out.print(text + (dflt == null ? "" : " [" + dflt + "]") + ": ");
            out.flush();
            String line = readLine();
            if (!line.isEmpty()) return line;
            if (dflt != null) return dflt;
        }
    }

    /** Asks a yes/no question; empty answer = {@code dflt}; other answers than y/yes/n/no are asked again. */
    public boolean confirm(String text, boolean dflt) {
        while (true) {
            out.print(text + (dflt ? " [Y/n]: " : " [y/N]: "));
            out.flush();
            String line = readLine().trim().toLowerCase();
            if (line.isEmpty()) return dflt;
            if (line.equals("y") || line.equals("yes")) return true;
            if (line.equals("n") || line.equals("no")) return false;
            out.println("Error: invalid input");
        }
    }

    private String readLine() {
        try {
            String line = in.readLine();
            if (line == null) {
                out.println();
                throw new CtlException("Aborted!");
            }
            return line;
        } catch (IOException e) {
            throw new CtlException("Aborted! (cannot read the answer: " + e.getMessage() + ")");
        }
    }
}
