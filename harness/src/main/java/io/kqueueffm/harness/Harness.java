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
    /** Per server, each service's endpoint as its READY line gave it (URL-encoded): passed on as is. */
    private final Map<Transport, Map<String, String>> endpoints = new LinkedHashMap<>();
    private JvmLoadGenerator client;
    private WrkLoadGenerator wrk;

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
        client = new JvmLoadGenerator(clientTransport, o.clientThreads, o.maxOps, o.clientJvmArgs,
                o.out.resolve("load-client.log"));
        if (!o.load.equals("java")) {
            wrk = WrkLoadGenerator.find(o.clientThreads, o.out).orElse(null);
            if (wrk == null && o.load.equals("wrk")) {
                System.out.println("wrk is not installed here: the harness's own client runs every workload");
            }
        }
        List<String> generators = new ArrayList<>();
        if (wrk != null) {
            generators.add(wrk.describe());
        }
        generators.add(client.describe() + (wrk != null ? " for the others" : ""));
        report.loadGenerators(generators);
        System.out.println("load generator: " + String.join("; ", generators));

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
            // Every workload's path, so that round 1 of none of them runs interpreted code.
            long each = Math.max(200, o.jitWarmupMs / o.workloads.size());
            System.out.printf("JIT warm-up: %d ms of each workload on each server (not recorded)%n", each);
            for (Transport t : servers.keySet()) {
                for (Workload w : o.workloads) {
                    if (runs(w, t)) {
                        round(w, t, 0, each, 100, null);
                    }
                }
            }
        }

        List<Transport> order = new ArrayList<>(servers.keySet());
        int total = 0;
        for (Workload w : o.workloads) {
            total += o.rounds * (int) order.stream().filter(t -> runs(w, t)).count();
        }
        int done = 0;
        long started = System.nanoTime();
        for (int r = 1; r <= o.rounds; r++) {
            for (Workload w : o.workloads) {
                for (int i = 0; i < order.size(); i++) {
                    // Rotate who goes first in each round, so no transport always follows the same one.
                    Transport t = order.get((i + r - 1) % order.size());
                    if (!runs(w, t)) {
                        continue;
                    }
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
        Map<String, String> p = new LinkedHashMap<>();
        for (String kv : line.substring("READY".length()).trim().split(" ")) {
            String[] f = kv.split("=", 2);
            p.put(f[0], f[1]);
        }
        servers.put(t, jvm);
        endpoints.put(t, p);
        System.out.printf("server %-10s its own JVM, %d loop thread(s)%n", t.id, o.threads);
        for (Workload w : o.workloads) {
            w.unsupported(t).ifPresent(why -> System.out.printf("skip %-10s %s: %s%n", t.id, w.id, why));
        }
    }

    /**
     * One workload against one server. Server figures are sampled when the load generator opens
     * and closes its measured window. With {@code syscallsOut}, the loop threads are traced over
     * that window instead and only the syscall counts are kept.
     */
    private RoundResult round(Workload w, Transport t, int roundNo, long warmupMs, long measureMs,
                              Map<String, Long> syscallsOut) throws Exception {
        ChildJvm server = servers.get(t);
        ServerWindow window = new ServerWindow(server, t, syscallsOut);
        try {
            LoadGenerator.Load load = generatorFor(w).run(w, endpoints.get(t).get(w.service()), warmupMs,
                    measureMs, window);
            return new RoundResult(w, t, roundNo, load.ops(), load.errors(), load.nanos(), load.latency(),
                    window.cpu, window.loopCpu, window.loopUser, window.alloc, null);
        } catch (IOException e) {
            // A refused load or a server that stopped answering costs this round, not the run.
            return RoundResult.failed(w, t, roundNo, e.getMessage());
        } finally {
            window.abort();
        }
    }

    /** Whether server {@code t} has {@code w}'s endpoint: not when the transport lacks its channel kind. */
    private boolean runs(Workload w, Transport t) {
        return endpoints.get(t).containsKey(w.service());
    }

    private LoadGenerator generatorFor(Workload w) {
        return wrk != null && wrk.supports(w) ? wrk : client;
    }

    /** Samples a server at the edges of a measured window, or traces its loop threads over it. */
    private final class ServerWindow implements LoadGenerator.Window {
        private final ChildJvm server;
        private final Transport transport;
        private final Map<String, Long> syscallsOut;
        private Strace strace;
        long cpu;
        long loopCpu;
        long loopUser;
        long alloc;

        ServerWindow(ChildJvm server, Transport transport, Map<String, Long> syscallsOut) {
            this.server = server;
            this.transport = transport;
            this.syscallsOut = syscallsOut;
        }

        @Override
        public void open() throws Exception {
            if (syscallsOut != null) {
                strace = Strace.attach(Strace.loopThreads(server.pid()),
                        o.out.resolve("strace-" + transport.id + ".txt"));
                return;
            }
            long[] s = stats(server);
            cpu = -server.cpuNanos();
            alloc = -s[0];
            loopCpu = -s[1];
            loopUser = -s[2];
        }

        @Override
        public void close() throws Exception {
            if (strace != null) {
                syscallsOut.putAll(strace.finish());
                strace = null;
                return;
            }
            cpu += server.cpuNanos();
            long[] s = stats(server);
            alloc += s[0];
            loopCpu += s[1];
            loopUser += s[2];
        }

        void abort() {
            if (strace != null) {
                strace.close();
            }
        }
    }

    /** {allocated bytes, CPU ns, user-mode CPU ns} of the server's loop threads. */
    private static long[] stats(ChildJvm server) throws IOException, InterruptedException {
        server.send("STATS");
        String line = server.expect(Duration.ofSeconds(10), "STATS");
        long alloc = 0;
        long cpu = 0;
        long user = 0;
        for (String f : line.substring("STATS".length()).trim().split(" ")) {
            if (f.startsWith("alloc=")) {
                alloc = Long.parseLong(f.substring(6));
            } else if (f.startsWith("user=")) {
                user = Long.parseLong(f.substring(5));
            } else if (f.startsWith("cpu=")) {
                cpu = Long.parseLong(f.substring(4));
            }
        }
        return new long[] {alloc, cpu, user};
    }

    private void straceRounds() throws Exception {
        System.out.printf("syscalls: strace -c on the loop threads, one %d ms round per workload and transport "
                + "(not timed)%n", o.straceMs);
        for (Workload w : o.workloads) {
            for (Transport t : servers.keySet()) {
                if (!runs(w, t)) {
                    continue;
                }
                Map<String, Long> calls = new LinkedHashMap<>();
                RoundResult res = round(w, t, 0, Math.min(o.warmupMs, 500), o.straceMs, calls);
                if (res.failure() != null && res.failure().startsWith("strace")) {
                    // ptrace refused (a container without CAP_SYS_PTRACE): it will be for every round.
                    report.straceUnavailable(res.failure());
                    System.out.println("syscalls: n/a (" + res.failure() + ")");
                    return;
                }
                report.syscalls(w, t, res, calls);
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
