package dev.regent.daemon.log;

import java.io.IOException;

/** Where formatted lines go: standard error or {@code patroni.log}. Used by the one writer thread only. */
interface LogSink extends AutoCloseable {
    void write(byte[] line) throws IOException;

    void flush() throws IOException;

    @Override
    void close();

    /** Standard error, looked up at each write (like Logback's console target, so a replaced System.err is used). */
    final class Stderr implements LogSink {
        @Override
        public void write(byte[] line) {
            System.err.write(line, 0, line.length);
        }

        @Override
        public void flush() {
            System.err.flush();
        }

        @Override
        public void close() {
            System.err.flush();
        }
    }
}
