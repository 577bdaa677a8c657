package io.kqueueffm.channel;

import io.netty.channel.IoOps;

/**
 * One change to submit for a registration: filter, EV_* flags, fflags and data, as raw numbers of
 * the running kernel's ABI ({@link io.kqueueffm.event.Kqueue#abi()}). Immutable, so common changes
 * are constants and submitting them allocates nothing.
 */
public final class KQueueFfmIoOps implements IoOps {
    /**
     * Submitted just before the registration's fd is closed: closing drops its knotes in the kernel,
     * so changes still queued for it are voided rather than applied to a socket that reuses the
     * fd number. Must be submitted from the loop thread, then the registration cancelled.
     */
    public static final KQueueFfmIoOps FD_CLOSING = new KQueueFfmIoOps((short) 0, (short) 0, 0, 0);

    /**
     * Applies every queued change now, in one kevent call, instead of at the next loop turn: for a
     * channel whose fd will be closed off the loop (SO_LINGER), so that its knotes are gone first.
     * Loop thread only.
     */
    public static final KQueueFfmIoOps APPLY_NOW = new KQueueFfmIoOps((short) 0, (short) 0, 0, 0);

    private final short filter;
    private final short flags;
    private final int fflags;
    private final long data;

    private KQueueFfmIoOps(short filter, short flags, int fflags, long data) {
        this.filter = filter;
        this.flags = flags;
        this.fflags = fflags;
        this.data = data;
    }

    public static KQueueFfmIoOps newOps(short filter, short flags, int fflags) {
        return new KQueueFfmIoOps(filter, flags, fflags, 0);
    }

    public static KQueueFfmIoOps newOps(short filter, short flags, int fflags, long data) {
        return new KQueueFfmIoOps(filter, flags, fflags, data);
    }

    public short filter() {
        return filter;
    }

    public short flags() {
        return flags;
    }

    public int fflags() {
        return fflags;
    }

    public long data() {
        return data;
    }

    @Override
    public String toString() {
        return "KQueueFfmIoOps(filter=" + filter + ", flags=0x" + Integer.toHexString(flags & 0xFFFF)
                + ", fflags=0x" + Integer.toHexString(fflags) + ", data=" + data + ")";
    }
}
