package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;

/** Puts a workload's load on a server; the same generator serves every server transport in a run. */
interface LoadGenerator extends AutoCloseable {

    /** The edges of the measured window, where the harness samples (or traces) the server. */
    interface Window {
        void open() throws Exception;

        void close() throws Exception;
    }

    /** What the load side measured over the window. */
    record Load(long ops, long errors, long nanos, Histogram latency) {
    }

    /** A round that produced no figures, with the reason. */
    final class Failure extends IOException {
        Failure(String reason) {
            super(reason);
        }
    }

    /** For the report, e.g. "wrk 4.1.0, 1 thread". */
    String describe();

    boolean supports(Workload w);

    /**
     * Warms up for {@code warmupMs}, then measures for {@code measureMs} between the window's edges;
     * {@code endpoint} is the server's, as its READY line gave it (URL-encoded).
     */
    Load run(Workload w, String endpoint, long warmupMs, long measureMs, Window window) throws Exception;

    @Override
    void close();
}
