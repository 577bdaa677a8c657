package io.kqueueffm.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of the harness (a server or the load generator) on this JVM's class path, spoken to by
 * lines on its stdin/stdout; its stderr goes to a log file in the output folder.
 */
final class ChildJvm implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final PrintStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    ChildJvm(Class<?> main, List<String> jvmArgs, List<String> args, Path stderrLog) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // The sampling leak detector allocates on the measured path; off for every transport.
        cmd.add("-Dio.netty.leakDetection.level=disabled");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        process = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.to(stderrLog.toFile()))
                .start();
        stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The process went away; EOF below tells the waiting side.
            }
            lines.add(EOF);
        }, "harness-child-reader");
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    /** CPU time of the whole process (all its threads) so far, as the OS accounts it. */
    long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    void send(String line) {
        stdin.println(line);
    }

    /**
     * The next line starting with one of {@code prefixes}; other lines (a JVM's own notices) are
     * skipped.
     */
    String expect(Duration timeout, String... prefixes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new IOException("no answer within " + timeout.toSeconds() + " s");
            }
            if (line.equals(EOF)) {
                lines.add(EOF);
                throw new IOException("process exited (code " + exitCodeOrRunning() + ")");
            }
            for (String p : prefixes) {
                if (line.startsWith(p)) {
                    return line;
                }
            }
        }
    }

    private String exitCodeOrRunning() throws InterruptedException {
        return process.waitFor(2, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
    }

    @Override
    public void close() {
        stdin.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
