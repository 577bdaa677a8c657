package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The rounds of one workload on one transport reduced to medians and spreads. */
final class Summary {
    /** Median and range of one measure over the rounds. */
    record Spread(double median, double min, double max) {
        static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN);

        static Spread of(Collection<Double> values) {
            List<Double> v = values.stream().filter(d -> !d.isNaN() && !d.isInfinite()).sorted().toList();
            if (v.isEmpty()) {
                return NONE;
            }
            int n = v.size();
            double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
            return new Spread(median, v.getFirst(), v.getLast());
        }

        boolean present() {
            return !Double.isNaN(median);
        }

        /** Half the range, for a symmetric error bar around the median. */
        double halfRange() {
            return present() ? (max - min) / 2 : 0;
        }
    }

    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    final Workload workload;
    final Transport transport;
    final List<RoundResult> rounds;
    final Histogram merged = new Histogram(3);
    final Spread throughput;
    final Spread serverCpu;
    final Spread loopCpu;
    final Spread loopSys;
    final Spread alloc;
    final Map<Double, Spread> latency = new LinkedHashMap<>();
    final long errors;
    /** Per-round ratios to NIO's same round (interleaved rounds pair up); NONE without NIO. */
    Spread throughputVsNio = Spread.NONE;
    Spread cpuVsNio = Spread.NONE;
    Spread throughputVsNative = Spread.NONE;
    Spread cpuVsNative = Spread.NONE;
    /** From the strace round: calls per operation in total and for the busiest syscalls. */
    Map<String, Double> syscallsPerOp = Map.of();

    Summary(Workload workload, Transport transport, List<RoundResult> all) {
        this.workload = workload;
        this.transport = transport;
        this.rounds = all.stream().filter(RoundResult::ok).toList();
        this.errors = all.stream().mapToLong(RoundResult::errors).sum();
        for (RoundResult r : rounds) {
            merged.add(r.latency());
        }
        throughput = over(RoundResult::throughput);
        serverCpu = over(RoundResult::serverCpuMicrosPerOp);
        loopCpu = over(RoundResult::loopCpuMicrosPerOp);
        loopSys = over(RoundResult::loopSysMicrosPerOp);
        alloc = over(RoundResult::allocBytesPerOp);
        for (double p : PERCENTILES) {
            latency.put(p, over(r -> r.latencyMicros(p)));
        }
    }

    boolean present() {
        return !rounds.isEmpty();
    }

    private Spread over(ToDoubleFunction<RoundResult> f) {
        List<Double> v = new ArrayList<>();
        for (RoundResult r : rounds) {
            v.add(f.applyAsDouble(r));
        }
        return Spread.of(v);
    }

    void compare(Summary nio, Summary nativeBest) {
        if (nio != null) {
            throughputVsNio = paired(nio, RoundResult::throughput);
            cpuVsNio = paired(nio, RoundResult::serverCpuMicrosPerOp);
        }
        if (nativeBest != null) {
            throughputVsNative = paired(nativeBest, RoundResult::throughput);
            cpuVsNative = paired(nativeBest, RoundResult::serverCpuMicrosPerOp);
        }
    }

    private Spread paired(Summary base, ToDoubleFunction<RoundResult> f) {
        List<Double> ratios = new ArrayList<>();
        for (RoundResult r : rounds) {
            for (RoundResult b : base.rounds) {
                if (b.round() == r.round()) {
                    ratios.add(f.applyAsDouble(r) / f.applyAsDouble(b));
                }
            }
        }
        return Spread.of(ratios);
    }
}
