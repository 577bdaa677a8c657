package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * wrk for the HTTP workloads, where it is installed: a C load generator costs the machine less
 * than a JVM for the same load. A Lua script sends the workload's requests (a batch of
 * {@code depth} for pipelining, {@code Connection: close} for churn) and prints wrk's latency at a
 * fine grid of percentiles (every 0.5 up to p99, then p99.1..p99.9, p99.91..p99.99, max), which
 * fill an HdrHistogram, so the report reads wrk's percentiles exactly where it prints them.
 *
 * <p>wrk measures whole seconds and opens its connections inside its run: the measured window
 * of a round holds the connects too, and warm-up is a separate wrk run before it.
 */
final class WrkLoadGenerator implements LoadGenerator {
    private static final String SCRIPT = """
            local depth, close = 1, false
            init = function(args)
              depth = tonumber(args[1]) or 1
              close = args[2] == "close"
              local headers = {}
              if close then headers["Connection"] = "close" end
              local r = {}
              for i = 1, depth do r[i] = wrk.format("GET", "/plaintext", headers) end
              req = table.concat(r)
            end
            request = function() return req end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("HARNESS requests=%d duration_us=%d errors=%d\\n", summary.requests,
                summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
              -- wrk's latency(i) walks its whole histogram per call: a percentile grid stays fast.
              local ps = {}
              for i = 1, 198 do ps[#ps + 1] = i / 2 end
              for i = 991, 999 do ps[#ps + 1] = i / 10 end
              for i = 9991, 9999 do ps[#ps + 1] = i / 100 end
              for _, p in ipairs(ps) do io.write(string.format("P %.2f %d\\n", p, latency:percentile(p))) end
              io.write(string.format("P 100 %d\\n", latency.max))
            end
            """;

    private final int threads;
    private final Path script;
    private final String version;

    private WrkLoadGenerator(int threads, Path script, String version) {
        this.threads = threads;
        this.script = script;
        this.version = version;
    }

    /** wrk if it runs here, else empty. */
    static Optional<WrkLoadGenerator> find(int threads, Path dir) {
        try {
            Process p = new ProcessBuilder("wrk", "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || !out.startsWith("wrk")) {
                return Optional.empty();
            }
            String version = out.lines().findFirst().orElse("wrk").split(" \\[")[0].split(" Copyright")[0];
            Path script = dir.resolve("harness-wrk.lua");
            Files.writeString(script, SCRIPT);
            return Optional.of(new WrkLoadGenerator(threads, script, version));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        return version + " for the HTTP workloads (" + threads + " thread(s), whole-second runs)";
    }

    @Override
    public boolean supports(Workload w) {
        // wrk speaks TCP only.
        return w instanceof HttpWorkload && !(w instanceof DomainHttpWorkload);
    }

    @Override
    public Load run(Workload w, String endpoint, long warmupMs, long measureMs, Window window) throws Exception {
        int port = Integer.parseInt(endpoint);
        HttpWorkload http = (HttpWorkload) w;
        if (warmupMs > 0) {
            wrk(http, port, seconds(warmupMs));
        }
        window.open();
        List<String> out = wrk(http, port, seconds(measureMs));
        window.close();
        long requests = -1;
        long micros = 0;
        long errors = 0;
        List<double[]> grid = new ArrayList<>();
        for (String line : out) {
            String[] f = line.trim().split("[ =]");
            if (f[0].equals("HARNESS")) {
                requests = Long.parseLong(f[2]);
                micros = Long.parseLong(f[4]);
                errors = Long.parseLong(f[6]);
            } else if (f[0].equals("P")) {
                grid.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
            }
        }
        if (requests < 0) {
            throw new Failure("wrk printed no result: " + String.join(" | ", out));
        }
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        double below = 0;
        for (double[] g : grid) {
            // Each grid point stands for the requests between it and the point before.
            long n = Math.round(requests * (g[0] - below) / 100);
            if (n > 0) {
                latency.recordValueWithCount(Math.min((long) g[1] * 1000, latency.getHighestTrackableValue()), n);
            }
            below = g[0];
        }
        return new Load(requests, errors, micros * 1000, latency);
    }

    private static long seconds(long ms) {
        return Math.max(1, Math.round(ms / 1000.0));
    }

    private List<String> wrk(HttpWorkload w, int port, long seconds) throws IOException, InterruptedException {
        int connections = Math.max(w.connections, threads);
        List<String> cmd = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "10s",
                "-s", script.toString(), "http://127.0.0.1:" + port + "/plaintext", "--",
                Integer.toString(w.depth), w instanceof ChurnWorkload ? "close" : "keep-alive");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var r = p.inputReader(StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        if (!p.waitFor(seconds + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new Failure("wrk did not finish");
        }
        return lines;
    }

    @Override
    public void close() {
    }
}
