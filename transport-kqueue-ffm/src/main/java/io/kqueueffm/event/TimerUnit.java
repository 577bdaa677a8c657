package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;

import java.util.concurrent.TimeUnit;

/** The unit of an EVFILT_TIMER's data: its fflags bit differs between kernels (abi.md 2.5). */
public enum TimerUnit {
    SECONDS(TimeUnit.SECONDS),
    MILLISECONDS(TimeUnit.MILLISECONDS),
    MICROSECONDS(TimeUnit.MICROSECONDS),
    NANOSECONDS(TimeUnit.NANOSECONDS);

    public final TimeUnit timeUnit;

    TimerUnit(TimeUnit timeUnit) {
        this.timeUnit = timeUnit;
    }

    public int bits(KeventAbi abi) {
        return switch (this) {
            case SECONDS -> abi.noteSeconds;
            case MILLISECONDS -> abi.noteMilliseconds;
            case MICROSECONDS -> abi.noteMicroseconds;
            case NANOSECONDS -> abi.noteNanoseconds;
        };
    }
}
