package io.kqueueffm.event;

import java.time.Duration;

/** How long kevent may wait: forever, not at all, or a bounded time (clamped to what the kernels accept). */
public final class Timeout {
    /** tv_sec must stay within 0..INT32_MAX (Darwin's timespec_is_valid). */
    public static final long MAX_NANOS = Integer.MAX_VALUE * 1_000_000_000L + 999_999_999L;
    public static final Timeout INFINITE = new Timeout(-1);
    public static final Timeout ZERO = new Timeout(0);

    private final long nanos;

    private Timeout(long nanos) {
        this.nanos = nanos;
    }

    public static Timeout ofNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative timeout: " + nanos + "ns");
        }
        return nanos == 0 ? ZERO : new Timeout(Math.min(nanos, MAX_NANOS));
    }

    public static Timeout ofMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("negative timeout: " + millis + "ms");
        }
        return ofNanos(millis > MAX_NANOS / 1_000_000 ? MAX_NANOS : millis * 1_000_000);
    }

    public static Timeout of(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + d);
        }
        return d.compareTo(Duration.ofNanos(MAX_NANOS)) > 0 ? ofNanos(MAX_NANOS) : ofNanos(d.toNanos());
    }

    public boolean isInfinite() {
        return nanos < 0;
    }

    /** -1 for infinite. */
    public long toNanos() {
        return nanos;
    }

    @Override
    public String toString() {
        return nanos < 0 ? "infinite" : nanos + "ns";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Timeout t && t.nanos == nanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(nanos);
    }
}
