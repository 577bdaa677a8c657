package io.kqueueffm.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command-line options; the defaults are the README's few-minute run. */
final class Options {
    static final String USAGE = """
            usage: Harness [options]
              --transports a,b,..   of %s (default: all; those that do not load here are skipped)
              --workloads a,b,..    of %s (default: all)
              --rounds N            interleaved rounds per workload and transport (default 5)
              --warmup MS           unrecorded load before each measured window (default 500)
              --duration MS         measured window of each round (default 1500)
              --jit-warmup MS       unrecorded load per server before round 1, split over the workloads (default 3000)
              --threads N           server event loop threads (default 1)
              --client-threads N    load generator event loop threads (default 1)
              --client-transport T  the load generator's transport (default: epoll or kqueue-jni, else nio)
              --load auto|wrk|java  HTTP load from wrk (auto: where installed) or from the harness's client
              --max-ops N           bound on operations per round, warm-up included (default 50000000)
              --no-strace           skip the syscall rounds (default: on where strace works)
              --strace-duration MS  measured window of each syscall round (default 1000)
              --server-jvm-args S   extra JVM options for every server, space-separated
              --client-jvm-args S   extra JVM options for the load generator
              --out DIR             output folder (default target/harness)
              --command S           the command line to print in the reports (default: the README's)
            """.formatted(Transport.ids(), Workload.ids());

    List<Transport> transports = List.of(Transport.values());
    List<Workload> workloads = Workload.ALL;
    int rounds = 5;
    long warmupMs = 500;
    long measureMs = 1500;
    long jitWarmupMs = 3000;
    int threads = 1;
    int clientThreads = 1;
    Transport clientTransport;
    String load = "auto";
    long maxOps = 50_000_000;
    boolean strace = true;
    long straceMs = 1000;
    List<String> serverJvmArgs = List.of("-Xms256m", "-Xmx256m");
    List<String> clientJvmArgs = List.of("-Xms256m", "-Xmx256m");
    Path out = Path.of("target", "harness");
    String command = "./mvnw -B -DskipTests -Pharness package";
    List<String> args = List.of();
    boolean help;

    static Options parse(String[] args) {
        Options o = new Options();
        o.args = List.of(args);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                o.help = true;
                continue;
            }
            if (a.equals("--no-strace")) {
                o.strace = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--transports" -> o.transports = Arrays.stream(v.split(",")).map(String::trim)
                        .filter(s -> !s.isEmpty()).map(Transport::of).toList();
                case "--workloads" -> o.workloads = Workload.parse(v);
                case "--rounds" -> o.rounds = positive(a, v);
                case "--warmup" -> o.warmupMs = Long.parseLong(v);
                case "--duration" -> o.measureMs = positive(a, v);
                case "--jit-warmup" -> o.jitWarmupMs = Long.parseLong(v);
                case "--threads" -> o.threads = positive(a, v);
                case "--client-threads" -> o.clientThreads = positive(a, v);
                case "--client-transport" -> o.clientTransport = Transport.of(v);
                case "--load" -> {
                    if (!List.of("auto", "wrk", "java").contains(v)) {
                        throw new IllegalArgumentException("--load is auto, wrk or java");
                    }
                    o.load = v;
                }
                case "--max-ops" -> o.maxOps = positive(a, v);
                case "--strace-duration" -> o.straceMs = positive(a, v);
                case "--server-jvm-args" -> o.serverJvmArgs = concat(o.serverJvmArgs, v);
                case "--client-jvm-args" -> o.clientJvmArgs = concat(o.clientJvmArgs, v);
                case "--out" -> o.out = Path.of(v);
                case "--command" -> o.command = v;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (o.workloads.isEmpty() || o.transports.isEmpty()) {
            throw new IllegalArgumentException("need at least one workload and one transport");
        }
        return o;
    }

    private static int positive(String name, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(name + " must be at least 1");
        }
        return n;
    }

    private static List<String> concat(List<String> base, String more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(Arrays.stream(more.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        return all;
    }

    /** The arguments as given, minus --out and --command, which name nothing about the figures. */
    String argsForReport() {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--out") || args.get(i).equals("--command")) {
                i++;
            } else {
                kept.add(args.get(i));
            }
        }
        return String.join(" ", kept);
    }
}
