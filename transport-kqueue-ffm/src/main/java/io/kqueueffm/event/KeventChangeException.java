package io.kqueueffm.event;

import io.kqueueffm.ffi.NativeException;

/** A change in a changelist was refused: the kernel returned an EV_ERROR record for it. */
public final class KeventChangeException extends NativeException {
    private static final long serialVersionUID = 1L;

    private final transient KEvent change;

    public KeventChangeException(KEvent change, int errno) {
        super("kevent change", errno, "ident=" + change.ident() + ", filter=EVFILT_" + change.filter()
                + ", flags=" + change.flags() + ", fflags=0x" + Integer.toHexString(change.fflags())
                + ", data=" + change.data());
        this.change = change;
    }

    /** The change that failed, as submitted. */
    public KEvent change() {
        return change;
    }
}
