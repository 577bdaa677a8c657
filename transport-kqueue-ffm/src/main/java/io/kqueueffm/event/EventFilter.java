package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;

/** A kqueue filter. Its number depends on the kernel (EVFILT_USER is -10 on Darwin, -11 on FreeBSD). */
public enum EventFilter {
    READ, WRITE, AIO, VNODE, PROC, SIGNAL, TIMER, USER, FS,
    /** Darwin only. */
    EXCEPT,
    /** FreeBSD only. */
    EMPTY;

    private static final EventFilter[] VALUES = values();

    /** The raw number under {@code abi}; throws if that kernel has no such filter. */
    public short value(KeventAbi abi) {
        short v = switch (this) {
            case READ -> abi.evfiltRead;
            case WRITE -> abi.evfiltWrite;
            case AIO -> abi.evfiltAio;
            case VNODE -> abi.evfiltVnode;
            case PROC -> abi.evfiltProc;
            case SIGNAL -> abi.evfiltSignal;
            case TIMER -> abi.evfiltTimer;
            case USER -> abi.evfiltUser;
            case FS -> abi.evfiltFs;
            case EXCEPT -> abi.evfiltExcept;
            case EMPTY -> abi.evfiltEmpty;
        };
        if (v == 0) {
            throw new UnsupportedOperationException("EVFILT_" + name() + " does not exist on " + abi);
        }
        return v;
    }

    public boolean isSupported(KeventAbi abi) {
        try {
            value(abi);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** The filter numbered {@code raw} under {@code abi}, or null for one this binding does not name. */
    public static EventFilter of(short raw, KeventAbi abi) {
        for (EventFilter f : VALUES) {
            if (f.isSupported(abi) && f.value(abi) == raw) {
                return f;
            }
        }
        return null;
    }
}
