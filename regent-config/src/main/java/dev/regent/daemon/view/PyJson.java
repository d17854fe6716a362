package dev.regent.daemon.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON text laid out like Python's {@code json.dumps} defaults ({@code ", "} and {@code ": "} separators, one line),
 * which is what patronictl's {@code -f json} prints. Stateless and thread-safe.
 */
public final class PyJson {
    private static final ObjectMapper M = new ObjectMapper();

    private PyJson() {}

    public static String dumps(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v instanceof Map<?, ?> m) {
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                write(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue());
                if (it.hasNext()) sb.append(", ");
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(", ");
                write(sb, l.get(i));
            }
            sb.append(']');
        } else {
            try {
                sb.append(M.writeValueAsString(v));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not JSON-serialisable: " + v, e);
            }
        }
    }
}
