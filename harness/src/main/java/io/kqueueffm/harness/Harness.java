package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs each workload against one server JVM per transport, in interleaved rounds (A B C, A B C,
 * ...) so that a machine whose speed drifts during the run drifts for every transport alike, and
 * writes the table, a JSON file of every round and a report with charts.
 */
public final class Harness {
    private final Options o;
    private final Report report;
    private final Map<Transport, ChildJvm> servers = new LinkedHashMap<>();
    private final Map<Transport, Map<String, Integer>> ports = new LinkedHashMap<>();
    private ChildJvm client;

    private Harness(Options o) {
        this.o = o;
        this.report = new Report(o);
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(Options.USAGE);
            return;
        }
        System.exit(run(o) ? 0 : 1);
    }

    /** Runs everything the options ask for; false when no round produced a figure. */
    static boolean run(Options o) throws Exception {
        // Charts are drawn off-screen; without this a Mac shows a Dock icon for the run.
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(o.out);
        Harness h = new Harness(o);
        try {
            return h.runAll();
        } finally {
            h.stopAll();
        }
    }

    private boolean runAll() throws Exception {
        report.printMachine();
        for (Transport t : o.transports) {
            Optional<String> reason = t.unavailableReason();
            if (reason.isPresent()) {
                report.skipped(t, reason.get());
                System.out.printf("skip %-10s %s%n", t.id, reason.get());
            }
        }
        Transport clientTransport = o.clientTransport != null ? o.clientTransport : Transport.forLoadClient();
        report.clientTransport(clientTransport);
        client = new ChildJvm(LoadClient.class, o.clientJvmArgs,
                List.of(clientTransport.id, Integer.toString(o.clientThreads)), o.out.resolve("load-client.log"));
        client.expect(Duration.ofSeconds(60), "READY");
        System.out.printf("load generator: its own JVM on %s, %d thread(s)%n", clientTransport.id, o.clientThreads);

        for (Transport t : o.transports) {
            if (report.isSkipped(t)) {
                continue;
            }
            startServer(t);
        }
        if (servers.isEmpty()) {
            System.out.println("no transport to measure");
            return false;
        }
        if (o.jitWarmupMs > 0) {
            System.out.printf("JIT warm-up: %d ms of %s on each server (not recorded)%n",
                    o.jitWarmupMs, o.workloads.getFirst().id);
            for (Transport t : servers.keySet()) {
                round(o.workloads.getFirst(), t, 0, o.jitWarmupMs, 100, null);
            }
        }

        List<Transport> order = new ArrayList<>(servers.keySet());
        int total = o.rounds * o.workloads.size() * order.size();
        int done = 0;
        long started = System.nanoTime();
        for (int r = 1; r <= o.rounds; r++) {
            for (Workload w : o.workloads) {
                for (int i = 0; i < order.size(); i++) {
                    // Rotate who goes first in each round, so no transport always follows the same one.
                    Transport t = order.get((i + r - 1) % order.size());
                    RoundResult res = round(w, t, r, o.warmupMs, o.measureMs, null);
                    done++;
                    report.progress(res, done, total, started);
                }
            }
        }
        if (o.strace) {
            Optional<String> why = Strace.unavailableReason();
            if (why.isPresent()) {
                report.straceUnavailable(why.get());
                System.out.println("syscalls: n/a (" + why.get() + ")");
            } else {
                straceRounds();
            }
        } else {
            report.straceUnavailable("not asked for (--no-strace)");
        }
        report.finish();
        return report.hasFigures();
    }

    private void startServer(Transport t) throws IOException, InterruptedException {
        ChildJvm jvm = new ChildJvm(ServerMain.class, o.serverJvmArgs, List.of(t.id, Integer.toString(o.threads)),
                o.out.resolve("server-" + t.id + ".log"));
        String line;
        try {
            line = jvm.expect(Duration.ofSeconds(60), "READY", "UNAVAILABLE");
        } catch (IOException e) {
            jvm.close();
            report.skipped(t, "server did not start: " + e.getMessage() + " (see server-" + t.id + ".log)");
            System.out.printf("skip %-10s server did not start: %s%n", t.id, e.getMessage());
            return;
        }
        if (line.startsWith("UNAVAILABLE")) {
            jvm.close();
            String reason = line.substring("UNAVAILABLE".length()).trim();
            report.skipped(t, reason);
            System.out.printf("skip %-10s %s%n", t.id, reason);
            return;
        }
        Map<String, Integer> p = new LinkedHashMap<>();
        for (String kv : line.substring("READY".length()).trim().split(" ")) {
            String[] f = kv.split("=");
            p.put(f[0], Integer.parseInt(f[1]));
        }
        servers.put(t, jvm);
        ports.put(t, p);
        System.out.printf("server %-10s its own JVM, %d loop thread(s)%n", t.id, o.threads);
    }

    /**
     * One workload against one server. Server figures are sampled when the load generator opens
     * and closes its measured window. With {@code strace}, the loop threads are traced over that
     * window instead and only the syscall counts are kept.
     */
    private RoundResult round(Workload w, Transport t, int roundNo, long warmupMs, long measureMs,
                              Map<String, Long> syscallsOut) throws Exception {
        ChildJvm server = servers.get(t);
        int port = ports.get(t).get(w.service());
        client.send("RUN " + w.id + " " + port + " " + warmupMs + " " + measureMs + " " + o.maxOps);
        Duration timeout = Duration.ofMillis(warmupMs + measureMs + 60_000);
        long cpu0 = 0;
        long loopCpu0 = 0;
        long alloc0 = 0;
        Strace strace = null;
        try {
            String line = client.expect(timeout, "MEASURING", "FAILED");
            if (line.startsWith("FAILED")) {
                return RoundResult.failed(w, t, roundNo, line.substring(6).trim());
            }
            if (syscallsOut != null) {
                strace = Strace.attach(Strace.loopThreads(server.pid()), o.out.resolve("strace-" + t.id + ".txt"));
            } else {
                long[] s = stats(server);
                cpu0 = server.cpuNanos();
                alloc0 = s[0];
                loopCpu0 = s[1];
            }
            line = client.expect(timeout, "MEASURED", "FAILED");
            if (line.startsWith("FAILED")) {
                return RoundResult.failed(w, t, roundNo, line.substring(6).trim());
            }
            long cpu1 = 0;
            long[] s1 = {0, 0};
            if (strace != null) {
                syscallsOut.putAll(strace.finish());
                strace = null;
            } else {
                cpu1 = server.cpuNanos();
                s1 = stats(server);
            }
            line = client.expect(timeout, "RESULT", "FAILED");
            if (line.startsWith("FAILED")) {
                return RoundResult.failed(w, t, roundNo, line.substring(6).trim());
            }
            Map<String, String> kv = new LinkedHashMap<>();
            for (String f : line.substring("RESULT".length()).trim().split(" ")) {
                int eq = f.indexOf('=');
                kv.put(f.substring(0, eq), f.substring(eq + 1));
            }
            Histogram hist = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(kv.get("hist"))), 0);
            return new RoundResult(w, t, roundNo, Long.parseLong(kv.get("ops")), Long.parseLong(kv.get("errors")),
                    Long.parseLong(kv.get("nanos")), hist, cpu1 - cpu0, s1[1] - loopCpu0, s1[0] - alloc0, null);
        } finally {
            if (strace != null) {
                strace.close();
            }
        }
    }

    /** {allocated bytes, CPU ns} of the server's loop threads. */
    private static long[] stats(ChildJvm server) throws IOException, InterruptedException {
        server.send("STATS");
        String line = server.expect(Duration.ofSeconds(10), "STATS");
        long alloc = 0;
        long cpu = 0;
        for (String f : line.substring("STATS".length()).trim().split(" ")) {
            if (f.startsWith("alloc=")) {
                alloc = Long.parseLong(f.substring(6));
            } else if (f.startsWith("cpu=")) {
                cpu = Long.parseLong(f.substring(4));
            }
        }
        return new long[] {alloc, cpu};
    }

    private void straceRounds() throws Exception {
        System.out.printf("syscalls: strace -c on the loop threads, one %d ms round per workload and transport "
                + "(not timed)%n", o.straceMs);
        for (Workload w : o.workloads) {
            for (Transport t : servers.keySet()) {
                Map<String, Long> calls = new LinkedHashMap<>();
                try {
                    RoundResult res = round(w, t, 0, Math.min(o.warmupMs, 500), o.straceMs, calls);
                    report.syscalls(w, t, res, calls);
                } catch (IOException e) {
                    report.straceUnavailable("strace failed: " + e.getMessage());
                    System.out.println("syscalls: n/a (strace failed: " + e.getMessage() + ")");
                    return;
                }
            }
        }
    }

    private void stopAll() {
        for (ChildJvm s : servers.values()) {
            s.close();
        }
        if (client != null) {
            client.close();
        }
    }
}
