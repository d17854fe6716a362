package dev.regent.ctl.command;

import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * patronictl's {@code invoke_editor}: writes the text to a temporary {@code <cluster>-config-*.yaml}, runs
 * {@code $EDITOR} (else {@code editor} or {@code vi} from PATH) on it with the terminal attached, and reads it back.
 * Blocks until the editor exits.
 */
final class Editor {
    private Editor() {}

    static String edit(CtlContext ctx, String text, String cluster) throws IOException, InterruptedException {
        List<String> cmd = command(ctx);
        Path tmp = Files.createTempFile(cluster + "-config-", ".yaml");
        try {
            Files.writeString(tmp, text);
            cmd.add(tmp.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().clear();
            pb.environment().putAll(ctx.env());
            int rc = pb.start().waitFor();
            if (rc != 0) throw new CtlException("Editor exited with return code " + rc);
            return Files.readString(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static List<String> command(CtlContext ctx) {
        String editor = ctx.env().get("EDITOR");
        if (editor != null && !editor.isBlank()) return new ArrayList<>(Arrays.asList(editor.trim().split("\\s+")));
        String path = ctx.env().getOrDefault("PATH", "");
        for (String name : List.of("editor", "vi")) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return new ArrayList<>(List.of(Path.of(dir, name).toString()));
                }
            }
        }
        throw new CtlException("EDITOR environment variable is not set. editor or vi are not available");
    }
}
