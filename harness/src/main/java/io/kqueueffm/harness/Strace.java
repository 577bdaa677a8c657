package io.kqueueffm.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Counts the system calls of a server's event loop threads with {@code strace -c} (Linux only).
 * Only the loop threads are traced: they are the transport's work, where the JVM's GC and JIT
 * threads would add calls that have nothing to do with it. strace slows what it traces, so these
 * counts come from rounds of their own and never from a timed one.
 */
final class Strace implements AutoCloseable {
    private final Process process;
    private final Path output;

    private Strace(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Empty with a reason when strace cannot be used here. */
    static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
            return Optional.of("strace is Linux only");
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "strace"))) {
                return Optional.empty();
            }
        }
        return Optional.of("strace is not installed");
    }

    /** Linux thread ids of the server's loop threads, found by the name the server gives them. */
    static List<Long> loopThreads(long pid) throws IOException {
        List<Long> tids = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith(ServerMain.LOOP_THREAD_PREFIX)) {
                        tids.add(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (IOException exited) {
                    // A thread that ended while listing is not a loop thread.
                }
            }
        }
        return tids;
    }

    static Strace attach(List<Long> tids, Path output) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("strace", "-c", "-q", "-o", output.toString()));
        for (long tid : tids) {
            cmd.add("-p");
            cmd.add(Long.toString(tid));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // strace -p returns to nothing when attached; a short pause lets the attach finish and
        // lets a refused ptrace show up as an exit.
        if (p.waitFor(300, TimeUnit.MILLISECONDS)) {
            throw new IOException("strace exited at once (code " + p.exitValue() + "): ptrace not permitted?");
        }
        return new Strace(p, output);
    }

    /** Detaches and returns calls per syscall name, highest first, with "total". */
    Map<String, Long> finish() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("strace did not detach");
        }
        return parse(Files.readAllLines(output));
    }

    /** Calls per syscall name from {@code strace -c}'s table, in its order (busiest first), and "total". */
    static Map<String, Long> parse(List<String> table) {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String line : table) {
            String[] f = line.trim().split("\\s+");
            // "% time seconds usecs/call calls [errors] syscall": calls is the first integer column
            // after the three numeric ones, the name the last column.
            if (f.length < 5 || !f[0].matches("[0-9.]+")) {
                continue;
            }
            calls.put(f[f.length - 1], Long.parseLong(f[3]));
        }
        return calls;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
