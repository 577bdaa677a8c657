package io.kqueueffm.channel;

import io.kqueueffm.abi.KeventAbi;
import io.netty.channel.IoEvent;

/**
 * An event delivered to a handle: the fields of one kevent record. One instance per registration,
 * overwritten for each event, so delivering costs no allocation; do not keep it past the call.
 */
public final class KQueueFfmIoEvent implements IoEvent {
    private long ident;
    private short filter;
    private short flags;
    private int fflags;
    private long data;

    void update(long ident, short filter, short flags, int fflags, long data) {
        this.ident = ident;
        this.filter = filter;
        this.flags = flags;
        this.fflags = fflags;
        this.data = data;
    }

    public long ident() {
        return ident;
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

    public boolean isEof() {
        return (flags & KeventAbi.EV_EOF) != 0;
    }

    /** A change of this registration was refused; {@link #data()} is the errno. */
    public boolean isError() {
        return (flags & KeventAbi.EV_ERROR) != 0;
    }

    @Override
    public String toString() {
        return "KQueueFfmIoEvent(ident=" + ident + ", filter=" + filter + ", flags=0x"
                + Integer.toHexString(flags & 0xFFFF) + ", fflags=" + fflags + ", data=" + data + ")";
    }
}
