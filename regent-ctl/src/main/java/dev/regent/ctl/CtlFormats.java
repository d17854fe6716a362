package dev.regent.ctl;

import dev.regent.daemon.view.OutputFormat;

/** {@code -f/--format} parsing with patronictl's usage-error exit code (2). */
public final class CtlFormats {
    private CtlFormats() {}

    public static OutputFormat parse(String format) {
        try {
            return OutputFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CtlException(e.getMessage(), 2);
        }
    }
}
