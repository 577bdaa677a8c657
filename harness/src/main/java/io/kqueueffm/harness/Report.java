package io.kqueueffm.harness;

import io.netty.util.Version;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Collects the rounds and writes what a user reads: progress lines while running, the table at
 * the end, {@code results.json} (every round), {@code report.md} (the tables and the command) and
 * {@code report.html} (tables and charts, self-contained), charts also as SVG/PNG in
 * {@code charts/}. Names the machine by its OS, CPU, JDK and Netty version, never by a path.
 */
final class Report {
    private final Options o;
    private final Map<String, String> machine = new LinkedHashMap<>();
    private final Map<Transport, String> skipped = new LinkedHashMap<>();
    private final List<RoundResult> results = new ArrayList<>();
    private final Map<String, Map<Transport, Map<String, Long>>> syscalls = new LinkedHashMap<>();
    private final Map<String, Map<Transport, Long>> syscallOps = new LinkedHashMap<>();
    private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    /** How busy the machine was, for reading the spread: other work shares the CPUs with the run. */
    private final double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    private double loadAtEnd = Double.NaN;
    private String straceNote;
    private List<String> loadGenerators = List.of();
    private final Map<Workload, List<Summary>> summaries = new LinkedHashMap<>();

    Report(Options o) {
        this.o = o;
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        machine.put("OS", os);
        machine.put("CPU", cpuModel().map(m -> m + ", ").orElse("") + Runtime.getRuntime().availableProcessors()
                + " logical CPUs");
        machine.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + Runtime.version());
        machine.put("Netty", Optional.ofNullable(Version.identify().get("netty-common"))
                .map(Version::artifactVersion).orElse("unknown"));
        machine.put("kqueue-ffm", Transport.kqueueFfmBackend());
    }

    private static Optional<String> cpuModel() {
        try {
            Path cpuinfo = Path.of("/proc/cpuinfo");
            if (Files.isReadable(cpuinfo)) {
                return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
            }
            Process p = new ProcessBuilder("sysctl", "-n", "machdep.cpu.brand_string").start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 && !s.isEmpty() ? Optional.of(s) : Optional.empty();
        } catch (IOException | InterruptedException | RuntimeException e) {
            return Optional.empty();
        }
    }

    void printMachine() {
        System.out.println("kqueue-ffm benchmark harness");
        machine.forEach((k, v) -> System.out.printf("  %-6s %s%n", k, v));
        System.out.printf("  rounds %d x (warm-up %d ms + %d ms measured), %d server loop thread(s); workloads %s%n",
                o.rounds, o.warmupMs, o.measureMs, o.threads, o.workloads.stream().map(w -> w.id).toList());
    }

    void skipped(Transport t, String reason) {
        skipped.put(t, reason);
    }

    boolean isSkipped(Transport t) {
        return skipped.containsKey(t);
    }

    void loadGenerators(List<String> described) {
        loadGenerators = described;
    }

    void straceUnavailable(String why) {
        straceNote = why;
    }

    void progress(RoundResult r, int done, int total, long startedNanos) {
        results.add(r);
        double elapsed = (System.nanoTime() - startedNanos) / 1e9;
        long eta = Math.round(elapsed / done * (total - done));
        if (!r.ok()) {
            System.out.printf("[%3d/%d] round %d %-15s %-10s FAILED: %s%n", done, total, r.round(), r.workload().id,
                    r.transport().id, r.failure() != null ? r.failure() : "no operation completed");
            return;
        }
        System.out.printf(Locale.ROOT, "[%3d/%d] round %d %-15s %-10s %,11.0f %-6s p99 %8.1f µs  cpu %7.2f µs/op"
                        + "  alloc %7.1f B/op%s  eta %ds%n",
                done, total, r.round(), r.workload().id, r.transport().id, r.throughput(), r.workload().unit(),
                r.latencyMicros(99), r.serverCpuMicrosPerOp(), r.allocBytesPerOp(),
                r.errors() > 0 ? "  errors " + r.errors() : "", eta);
    }

    void syscalls(Workload w, Transport t, RoundResult r, Map<String, Long> calls) {
        syscalls.computeIfAbsent(w.id, k -> new LinkedHashMap<>()).put(t, calls);
        syscallOps.computeIfAbsent(w.id, k -> new LinkedHashMap<>()).put(t, r.ops());
        Long total = calls.get("total");
        System.out.printf(Locale.ROOT, "  syscalls %-15s %-10s %s%n", w.id, t.id,
                total == null || r.ops() == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f per op", (double) total / r.ops()));
    }

    boolean hasFigures() {
        return results.stream().anyMatch(RoundResult::ok);
    }

    void finish() throws IOException {
        loadAtEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        summarize();
        System.out.println();
        System.out.print(tables(false));
        System.out.println("summary (medians; ratios are kqueue-ffm's, round by round)");
        System.out.print(summaryTable(false));
        Files.writeString(o.out.resolve("results.json"), json());
        Files.writeString(o.out.resolve("report.md"), markdown());
        Files.writeString(o.out.resolve("report.html"), html());
        System.out.println();
        System.out.println("report: " + o.out.resolve("report.html").toAbsolutePath().normalize());
        System.out.println("        " + o.out.resolve("report.md").getFileName() + ", results.json, charts/*.svg|png,"
                + " server and load generator logs in the same folder");
    }

    private void summarize() {
        for (Workload w : o.workloads) {
            List<Summary> list = new ArrayList<>();
            for (Transport t : Transport.values()) {
                List<RoundResult> rs = results.stream()
                        .filter(r -> r.workload() == w && r.transport() == t).toList();
                if (!rs.isEmpty()) {
                    list.add(new Summary(w, t, rs));
                }
            }
            Summary nio = list.stream().filter(s -> s.transport == Transport.NIO && s.present()).findFirst().orElse(null);
            Summary nativeBest = list.stream().filter(s -> s.transport.nettyNative && s.present())
                    .max(Comparator.comparingDouble(s -> s.throughput.median())).orElse(null);
            for (Summary s : list) {
                s.compare(nio, nativeBest);
                Map<String, Long> calls = syscalls.getOrDefault(w.id, Map.of()).get(s.transport);
                Long ops = syscallOps.getOrDefault(w.id, Map.of()).get(s.transport);
                if (calls != null && ops != null && ops > 0) {
                    Map<String, Double> perOp = new LinkedHashMap<>();
                    calls.forEach((name, n) -> perOp.put(name, (double) n / ops));
                    s.syscallsPerOp = perOp;
                }
            }
            summaries.put(w, list);
        }
    }

    private Optional<Transport> nativeBaseline(Workload w) {
        return summaries.get(w).stream().filter(s -> s.transport.nettyNative && s.present())
                .max(Comparator.comparingDouble(s -> s.throughput.median())).map(s -> s.transport);
    }

    // ---- text tables (terminal and markdown) ----

    private static final String[] HEAD = {"transport", "throughput, median [min–max]", "× NIO", "× native",
        "p50 µs", "p99 µs", "p99.9 µs", "server CPU µs/op", "loop CPU µs/op (of it kernel)", "alloc B/op",
        "syscalls/op"};

    private String tables(boolean markdown) {
        StringBuilder sb = new StringBuilder();
        for (var e : summaries.entrySet()) {
            Workload w = e.getKey();
            String base = nativeBaseline(w).map(t -> t.id).orElse("none");
            sb.append(markdown ? "### " : "").append(w.id).append(" — ").append(w.title)
                    .append(" (").append(w.unit()).append("; × native: vs ").append(base).append(")\n");
            if (markdown) {
                sb.append('\n');
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(HEAD);
            for (Summary s : e.getValue()) {
                rows.add(row(s));
            }
            sb.append(markdown ? markdownTable(rows) : textTable(rows)).append('\n');
        }
        return sb.toString();
    }

    /** One row per workload: kqueue-ffm against NIO and the best JNI transport, and every transport's costs. */
    private String summaryTable(boolean markdown) {
        List<String[]> rows = summaryRows();
        return markdown ? markdownTable(rows) : textTable(rows);
    }

    private List<String[]> summaryRows() {
        List<Transport> ts = presentTransports();
        String names = String.join(" · ", ts.stream().map(t -> t.id).toList());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"workload", "throughput × NIO", "× native", "server CPU × NIO", "× native",
            "server CPU µs/op " + names, "loop CPU in the kernel µs/op " + names, "alloc B/op " + names,
            "syscalls/op " + names});
        for (var e : summaries.entrySet()) {
            Summary kq = e.getValue().stream().filter(s -> s.transport == Transport.KQUEUE_FFM && s.present())
                    .findFirst().orElse(null);
            List<String> cpu = new ArrayList<>();
            List<String> kernel = new ArrayList<>();
            List<String> alloc = new ArrayList<>();
            List<String> sys = new ArrayList<>();
            for (Transport t : ts) {
                Summary s = e.getValue().stream().filter(x -> x.transport == t && x.present()).findFirst().orElse(null);
                cpu.add(s == null ? "–" : String.format(Locale.ROOT, "%.2f", s.serverCpu.median()));
                kernel.add(s == null ? "–" : String.format(Locale.ROOT, "%.2f", s.loopSys.median()));
                alloc.add(s == null ? "–" : String.format(Locale.ROOT, "%.0f", s.alloc.median()));
                Double calls = s == null ? null : s.syscallsPerOp.get("total");
                sys.add(calls == null ? "n/a" : String.format(Locale.ROOT, "%.2f", calls));
            }
            rows.add(new String[] {e.getKey().id,
                kq == null ? "–" : ratio(kq.throughputVsNio), kq == null ? "–" : ratio(kq.throughputVsNative),
                kq == null ? "–" : ratio(kq.cpuVsNio), kq == null ? "–" : ratio(kq.cpuVsNative),
                String.join(" · ", cpu), String.join(" · ", kernel), String.join(" · ", alloc),
                String.join(" · ", sys)});
        }
        return rows;
    }

    private String[] row(Summary s) {
        if (!s.present()) {
            return new String[] {s.transport.id, "no figures (" + s.rounds.size() + " ok rounds)", "", "", "", "",
                "", "", "", "", ""};
        }
        Double sc = s.syscallsPerOp.get("total");
        return new String[] {
            s.transport.id,
            String.format(Locale.ROOT, "%,.0f [%,.0f–%,.0f]", s.throughput.median(), s.throughput.min(),
                    s.throughput.max()) + (s.workload.payloadBytes() > 1 ? String.format(Locale.ROOT, " (%.0f MiB/s)",
                    s.throughput.median() * s.workload.payloadBytes() / (1 << 20)) : "")
                    + (s.errors > 0 ? " errors " + s.errors : ""),
            ratio(s.throughputVsNio),
            ratio(s.throughputVsNative),
            num(s.latency.get(50.0).median()),
            num(s.latency.get(99.0).median()),
            num(s.latency.get(99.9).median()),
            String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", s.serverCpu.median(), s.serverCpu.min(), s.serverCpu.max()),
            String.format(Locale.ROOT, "%.2f (%.2f)", s.loopCpu.median(), s.loopSys.median()),
            String.format(Locale.ROOT, "%.1f", s.alloc.median()),
            sc == null ? "n/a" : String.format(Locale.ROOT, "%.2f", sc)};
    }

    private static String ratio(Summary.Spread r) {
        if (!r.present()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", r.median(), r.min(), r.max());
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String textTable(List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append("  ");
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? String.format("%-" + width[i] + "s", r[i]) : String.format("%" + width[i] + "s", r[i]));
                sb.append(i == r.length - 1 ? "\n" : "  ");
            }
        }
        return sb.toString();
    }

    private static String markdownTable(List<String[]> rows) {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < rows.size(); n++) {
            sb.append("| ").append(String.join(" | ", rows.get(n))).append(" |\n");
            if (n == 0) {
                sb.append("|---").append("|---:".repeat(rows.get(n).length - 1)).append("|\n");
            }
        }
        return sb.toString();
    }

    private String load() {
        return loadAtStart < 0 ? "load average unknown"
                : String.format(Locale.ROOT, "load average (1 min) %.2f at the start, %.2f at the end", loadAtStart,
                loadAtEnd);
    }

    private String command() {
        String args = o.argsForReport();
        return o.command + (args.isEmpty() ? "" : " -Dharness.args=\"" + args + "\"");
    }

    private String setup() {
        StringBuilder sb = new StringBuilder();
        sb.append("Each server transport runs in its own JVM (").append(o.threads)
                .append(" event loop thread(s), the same HTTP handler and echo handler on every transport, Netty's "
                        + "pooled allocator, leak detection off). Load, the same for every server: ")
                .append(String.join("; ", loadGenerators)).append(". ")
                .append(o.rounds).append(" interleaved rounds of ").append(o.warmupMs).append(" ms warm-up + ")
                .append(o.measureMs).append(" ms measured per workload and transport, the transports' order rotating "
                        + "each round.");
        return sb.toString();
    }

    private static final String LEGEND = """
            throughput: operations the load generator completed per second of the measured window (median of \
            the rounds, [min–max]). × NIO, × native: the ratio to NIO / to the best of Netty's JNI transports \
            here, round by round (rounds are interleaved, so round r of each transport ran minutes apart at most), \
            median [min–max]. p50/p99/p99.9: round-trip latency seen by the load generator (HdrHistogram), median \
            of the rounds. server CPU: CPU time the OS charged to the whole server process (all threads, GC and \
            JIT included) over the measured window, per operation. loop CPU: the event loop threads' CPU time \
            alone, and in brackets the part of it spent in the kernel (system calls, mostly). alloc: bytes the event loop threads allocated on the heap per operation (Netty's HTTP codec \
            included; 0 means the transport and pipeline allocated nothing). syscalls/op: strace -c on the loop \
            threads in a separate, untimed round.""";

    private static final String EMULATION_NOTE = """
            Here kqueue-ffm runs over the kqueue emulation (C over epoll), not a kernel kqueue: for every \
            ready socket the emulation makes one more system call than a Mac's kernel would (an ioctl that \
            re-checks the socket before reporting it), and keeps its own registration table. Its figures \
            here bound what it costs on macOS or FreeBSD from above.""";

    private String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# kqueue-ffm harness report\n\n");
        sb.append("Generated by the benchmark harness (`harness` module). Command, from the repository root:\n\n");
        sb.append("```\n").append(command()).append("\n```\n\n");
        sb.append("Machine: ");
        sb.append(String.join("; ", machine.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
        sb.append(". Run started ").append(started).append("; ").append(load()).append(".\n\n");
        sb.append(setup()).append("\n\n");
        if (!skipped.isEmpty()) {
            sb.append("Not measured here:\n\n");
            skipped.forEach((t, why) -> sb.append("* ").append(t.id).append(": ").append(why).append('\n'));
            sb.append('\n');
        }
        if (straceNote != null) {
            sb.append("Syscalls: n/a (").append(straceNote).append(").\n\n");
        }
        sb.append(LEGEND).append("\n\n");
        if (Transport.kqueueFfmEmulated()) {
            sb.append(EMULATION_NOTE).append("\n\n");
        }
        sb.append("### Summary\n\nMedians of the rounds; the ratios are kqueue-ffm's, paired round by round.\n\n");
        sb.append(summaryTable(true)).append('\n');
        sb.append(tables(true));
        String sys = syscallBreakdown();
        if (!sys.isEmpty()) {
            sb.append("### Syscalls per operation, by call (loop threads, strace -c)\n\n").append(sys);
        }
        return sb.toString();
    }

    private String syscallBreakdown() {
        StringBuilder sb = new StringBuilder();
        for (var e : summaries.entrySet()) {
            for (Summary s : e.getValue()) {
                if (s.syscallsPerOp.isEmpty()) {
                    continue;
                }
                sb.append("* ").append(e.getKey().id).append(", ").append(s.transport.id).append(": ");
                List<String> parts = new ArrayList<>();
                s.syscallsPerOp.entrySet().stream().filter(c -> !c.getKey().equals("total"))
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(6)
                        .forEach(c -> parts.add(String.format(Locale.ROOT, "%s %.2f", c.getKey(), c.getValue())));
                sb.append(String.join(", ", parts)).append('\n');
            }
        }
        return sb.isEmpty() ? "" : sb.append('\n').toString();
    }

    // ---- HTML with charts ----

    private String html() throws IOException {
        Path charts = o.out.resolve("charts");
        List<Transport> present = presentTransports();
        List<String> ids = new ArrayList<>(summaries.keySet().stream().map(w -> w.id).toList());
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>kqueue-ffm harness report</title>"
                + "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
                + "text-align:right}td:first-child,th:first-child{text-align:left}code{background:#f4f4f4}"
                + "svg{max-width:100%;height:auto}</style></head><body>\n");
        sb.append("<h1>kqueue-ffm harness report</h1>\n<p><code>").append(esc(command())).append("</code></p>\n<ul>");
        machine.forEach((k, v) -> sb.append("<li>").append(k).append(": ").append(esc(v)).append("</li>"));
        sb.append("<li>run started ").append(started).append("; ").append(load()).append("</li></ul>\n<p>")
                .append(esc(setup())).append("</p>\n");
        if (!skipped.isEmpty()) {
            sb.append("<p>Not measured here:</p><ul>");
            skipped.forEach((t, why) -> sb.append("<li>").append(t.id).append(": ").append(esc(why)).append("</li>"));
            sb.append("</ul>\n");
        }
        if (straceNote != null) {
            sb.append("<p>Syscalls: n/a (").append(esc(straceNote)).append(").</p>\n");
        }
        sb.append("<p>").append(esc(LEGEND)).append("</p>\n");
        if (Transport.kqueueFfmEmulated()) {
            sb.append("<p>").append(esc(EMULATION_NOTE)).append("</p>\n");
        }
        sb.append("<h2>Summary</h2>\n<p>Medians of the rounds; the ratios are kqueue-ffm's, paired round by round."
                + "</p>\n").append(htmlTable(summaryRows()));
        if (!present.isEmpty()) {
            sb.append(Charts.save(Charts.ratioBars("Throughput relative to NIO, higher is better (median of the "
                    + "rounds; whiskers span half their range)", "× NIO", ids,
                    present, t -> perWorkload(t, s -> s.throughputVsNio)), charts, "throughput-vs-nio"));
            sb.append(Charts.save(Charts.ratioBars("Server CPU per operation relative to NIO, lower is better",
                    "× NIO", ids, present, t -> perWorkload(t, s -> s.cpuVsNio)), charts, "cpu-vs-nio"));
        }
        for (var e : summaries.entrySet()) {
            Workload w = e.getKey();
            List<Summary> ok = e.getValue().stream().filter(Summary::present).toList();
            sb.append("<h2>").append(w.id).append(" — ").append(esc(w.title)).append("</h2>\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(HEAD);
            for (Summary s : e.getValue()) {
                rows.add(row(s));
            }
            sb.append(htmlTable(rows));
            if (ok.isEmpty()) {
                continue;
            }
            List<Transport> ts = ok.stream().map(s -> s.transport).toList();
            sb.append(Charts.save(Charts.ratioBars(
                    w.id + ": relative to NIO (median; whiskers span half the rounds' range)", "× NIO", List.of("throughput", "server CPU/op", "loop CPU/op"), ts,
                    t -> measuresVsNio(ok, t)), charts, w.id + "-vs-nio"));
            sb.append(Charts.save(Charts.latency(w.id + ": latency percentiles (all rounds)", ok), charts,
                    w.id + "-latency"));
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static String htmlTable(List<String[]> rows) {
        StringBuilder sb = new StringBuilder("<table>");
        for (int n = 0; n < rows.size(); n++) {
            String cell = n == 0 ? "th" : "td";
            sb.append("<tr>");
            for (String c : rows.get(n)) {
                sb.append('<').append(cell).append('>').append(esc(c)).append("</").append(cell).append('>');
            }
            sb.append("</tr>");
        }
        return sb.append("</table>\n").toString();
    }

    private List<Transport> presentTransports() {
        List<Transport> ts = new ArrayList<>();
        for (Transport t : Transport.values()) {
            if (summaries.values().stream().flatMap(List::stream).anyMatch(s -> s.transport == t && s.present())) {
                ts.add(t);
            }
        }
        return ts;
    }

    private List<Summary.Spread> perWorkload(Transport t, Function<Summary, Summary.Spread> f) {
        List<Summary.Spread> out = new ArrayList<>();
        for (List<Summary> list : summaries.values()) {
            out.add(list.stream().filter(s -> s.transport == t && s.present()).findFirst().map(f)
                    .orElse(Summary.Spread.NONE));
        }
        return out;
    }

    /** Ratios to NIO of one workload's measures for one transport; all NONE without NIO. */
    private static List<Summary.Spread> measuresVsNio(List<Summary> ok, Transport t) {
        Summary s = ok.stream().filter(x -> x.transport == t).findFirst().orElseThrow();
        Summary nio = ok.stream().filter(x -> x.transport == Transport.NIO).findFirst().orElse(null);
        if (nio == null) {
            return List.of(Summary.Spread.NONE, Summary.Spread.NONE, Summary.Spread.NONE);
        }
        return List.of(s.throughputVsNio, s.cpuVsNio, scaled(s.loopCpu, nio.loopCpu.median()));
    }

    private static Summary.Spread scaled(Summary.Spread s, double by) {
        return new Summary.Spread(s.median() / by, s.min() / by, s.max() / by);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    // ---- JSON ----

    private String json() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"command\": ").append(q(command())).append(",\n");
        sb.append("  \"started\": ").append(q(started.toString())).append(",\n");
        sb.append("  \"loadAverage\": {\"start\": ").append(d(loadAtStart)).append(", \"end\": ").append(d(loadAtEnd))
                .append("},\n");
        sb.append("  \"machine\": {");
        sb.append(String.join(", ", machine.entrySet().stream().map(e -> q(e.getKey()) + ": " + q(e.getValue())).toList()));
        sb.append("},\n");
        sb.append("  \"settings\": {\"rounds\": ").append(o.rounds).append(", \"warmupMs\": ").append(o.warmupMs)
                .append(", \"measureMs\": ").append(o.measureMs).append(", \"serverThreads\": ").append(o.threads)
                .append(", \"clientThreads\": ").append(o.clientThreads).append(", \"loadGenerators\": [")
                .append(String.join(", ", loadGenerators.stream().map(Report::q).toList())).append("]},\n");
        sb.append("  \"skipped\": {");
        sb.append(String.join(", ", skipped.entrySet().stream().map(e -> q(e.getKey().id) + ": " + q(e.getValue())).toList()));
        sb.append("},\n  \"syscallsNote\": ").append(straceNote == null ? "null" : q(straceNote)).append(",\n");
        sb.append("  \"rounds\": [\n");
        for (int i = 0; i < results.size(); i++) {
            RoundResult r = results.get(i);
            sb.append("    {\"workload\": ").append(q(r.workload().id)).append(", \"transport\": ")
                    .append(q(r.transport().id)).append(", \"round\": ").append(r.round());
            if (r.ok()) {
                sb.append(", \"ops\": ").append(r.ops()).append(", \"errors\": ").append(r.errors())
                        .append(", \"seconds\": ").append(d(r.nanos() / 1e9))
                        .append(", \"throughput\": ").append(d(r.throughput()))
                        .append(", \"serverCpuMicrosPerOp\": ").append(d(r.serverCpuMicrosPerOp()))
                        .append(", \"loopCpuMicrosPerOp\": ").append(d(r.loopCpuMicrosPerOp()))
                        .append(", \"loopKernelCpuMicrosPerOp\": ").append(d(r.loopSysMicrosPerOp()))
                        .append(", \"allocBytesPerOp\": ").append(d(r.allocBytesPerOp()))
                        .append(", \"latencyMicros\": {");
                List<String> ps = new ArrayList<>();
                for (double p : Summary.PERCENTILES) {
                    ps.add(q("p" + p) + ": " + d(r.latencyMicros(p)));
                }
                ps.add(q("max") + ": " + d(r.latency().getMaxValue() / 1e3));
                sb.append(String.join(", ", ps)).append('}');
            } else {
                sb.append(", \"failure\": ").append(q(r.failure() == null ? "no operation completed" : r.failure()));
            }
            sb.append('}').append(i < results.size() - 1 ? "," : "").append('\n');
        }
        sb.append("  ],\n  \"syscallsPerOp\": {");
        List<String> ws = new ArrayList<>();
        for (var e : summaries.entrySet()) {
            List<String> ts = new ArrayList<>();
            for (Summary s : e.getValue()) {
                if (!s.syscallsPerOp.isEmpty()) {
                    ts.add(q(s.transport.id) + ": {" + String.join(", ", s.syscallsPerOp.entrySet().stream()
                            .map(c -> q(c.getKey()) + ": " + d(c.getValue())).toList()) + "}");
                }
            }
            if (!ts.isEmpty()) {
                ws.add(q(e.getKey().id) + ": {" + String.join(", ", ts) + "}");
            }
        }
        sb.append(String.join(", ", ws)).append("}\n}\n");
        return sb.toString();
    }

    private static String d(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
