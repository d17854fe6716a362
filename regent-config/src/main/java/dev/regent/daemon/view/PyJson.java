package dev.regent.daemon.view;

import dev.regent.daemon.log.PythonJson;

/**
 * JSON text laid out like Python's {@code json.dumps} defaults ({@code ", "} and {@code ": "} separators, one line,
 * non-ASCII escaped, floats as Python's repr), which is what patronictl's {@code -f json} prints. One writer serves
 * this and the JSON log ({@link PythonJson}). Stateless and thread-safe.
 */
public final class PyJson {
    private PyJson() {}

    public static String dumps(Object v) {
        return PythonJson.dumps(v);
    }
}
