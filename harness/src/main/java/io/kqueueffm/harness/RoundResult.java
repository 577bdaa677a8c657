package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

/** What one round of one workload against one transport measured; failure carries the reason. */
record RoundResult(Workload workload, Transport transport, int round, long ops, long errors, long nanos,
                   Histogram latency, long serverCpuNanos, long loopCpuNanos, long loopUserNanos,
                   long loopAllocBytes,
                   String failure) {

    static RoundResult failed(Workload w, Transport t, int round, String why) {
        return new RoundResult(w, t, round, 0, 0, 0, new Histogram(3), 0, 0, 0, 0, why);
    }

    boolean ok() {
        return failure == null && ops > 0;
    }

    double throughput() {
        return ops / (nanos / 1e9);
    }

    double serverCpuMicrosPerOp() {
        return serverCpuNanos / 1e3 / ops;
    }

    double loopCpuMicrosPerOp() {
        return loopCpuNanos / 1e3 / ops;
    }

    /** The loop threads' time in the kernel: system calls, mostly. */
    double loopSysMicrosPerOp() {
        return (loopCpuNanos - loopUserNanos) / 1e3 / ops;
    }

    double allocBytesPerOp() {
        return (double) loopAllocBytes / ops;
    }

    double latencyMicros(double percentile) {
        return latency.getValueAtPercentile(percentile) / 1e3;
    }
}
