package io.kqueueffm.abi;

/**
 * The kqueue ABI of one kernel: the entry point, the size of an event record and the numbering of
 * filters, flags and filter flags. Values from {@code sys/event.h} (xnu, FreeBSD main); see
 * {@code shared/abi/abi.md} sections 1 and 2. The Linux emulation implements {@link #DARWIN}.
 *
 * <p>Field offsets are common to both records (ident 0, filter 8, flags 10, fflags 12, data 16,
 * udata 24, ext 32); only the size, the ext length and the numbering differ.
 */
public final class KeventAbi {
    public static final long OFF_IDENT = 0;
    public static final long OFF_FILTER = 8;
    public static final long OFF_FLAGS = 10;
    public static final long OFF_FFLAGS = 12;
    public static final long OFF_DATA = 16;
    public static final long OFF_UDATA = 24;
    public static final long OFF_EXT = 32;

    /** Darwin's {@code kevent64()} with {@code struct kevent64_s} (48 bytes, ext[2]). */
    public static final KeventAbi DARWIN = new KeventAbi(
            "darwin-kevent64", true, 48, 2,
            // filters: read, write, aio, vnode, proc, signal, timer, user, fs, except, empty
            (short) -1, (short) -2, (short) -3, (short) -4, (short) -5, (short) -6, (short) -7,
            (short) -10, (short) -9, (short) -15, (short) 0,
            // 0x100, 0x200 carry Darwin's EV_UDATA_SPECIFIC / EV_VANISHED: not exposed
            // timer units: seconds, milliseconds (default: no bit), micro, nano, absolute
            0x1, 0x0, 0x2, 0x4, 0x8,
            0x1, 0x2);

    /** FreeBSD 12+ {@code kevent()} with its 64-byte {@code struct kevent} (ext[4]). */
    public static final KeventAbi FREEBSD = new KeventAbi(
            "freebsd-kevent", false, 64, 4,
            (short) -1, (short) -2, (short) -3, (short) -4, (short) -5, (short) -6, (short) -7,
            (short) -11, (short) -9, (short) 0, (short) -13,
            0x1, 0x2, 0x4, 0x8, 0x10,
            0, 0);

    // EV_* bits shared by both kernels (abi.md 2.2).
    public static final short EV_ADD = 0x0001;
    public static final short EV_DELETE = 0x0002;
    public static final short EV_ENABLE = 0x0004;
    public static final short EV_DISABLE = 0x0008;
    public static final short EV_ONESHOT = 0x0010;
    public static final short EV_CLEAR = 0x0020;
    public static final short EV_RECEIPT = 0x0040;
    public static final short EV_DISPATCH = 0x0080;
    public static final short EV_SYSFLAGS = (short) 0xF000;
    public static final short EV_ERROR = 0x4000;
    public static final short EV_EOF = (short) 0x8000;

    // EVFILT_READ/WRITE and EVFILT_USER fflags, identical on both (abi.md 2.3, 2.4).
    public static final int NOTE_LOWAT = 0x1;
    public static final int NOTE_FFNOP = 0x00000000;
    public static final int NOTE_FFAND = 0x40000000;
    public static final int NOTE_FFOR = 0x80000000;
    public static final int NOTE_FFCOPY = 0xC0000000;
    public static final int NOTE_FFCTRLMASK = 0xC0000000;
    public static final int NOTE_FFLAGSMASK = 0x00FFFFFF;
    public static final int NOTE_TRIGGER = 0x01000000;

    public final String name;
    /** true: {@code kevent64(kq, chg, n, ev, n, flags, ts)}; false: {@code kevent(kq, chg, n, ev, n, ts)}. */
    public final boolean kevent64;
    public final long eventSize;
    public final int extCount;

    public final short evfiltRead;
    public final short evfiltWrite;
    public final short evfiltAio;
    public final short evfiltVnode;
    public final short evfiltProc;
    public final short evfiltSignal;
    public final short evfiltTimer;
    public final short evfiltUser;
    public final short evfiltFs;
    /** Darwin EVFILT_EXCEPT, 0 where absent. */
    public final short evfiltExcept;
    /** FreeBSD EVFILT_EMPTY, 0 where absent. */
    public final short evfiltEmpty;

    public final int noteSeconds;
    /** 0 on Darwin, where milliseconds are the default and have no bit. */
    public final int noteMilliseconds;
    public final int noteMicroseconds;
    public final int noteNanoseconds;
    /** Darwin NOTE_ABSOLUTE (gettimeofday epoch) / FreeBSD NOTE_ABSTIME (realtime epoch). */
    public final int noteAbsolute;

    /** {@code kevent64()} flags; 0 where the entry point has none. */
    public final int keventFlagImmediate;
    public final int keventFlagErrorEvents;

    private KeventAbi(String name, boolean kevent64, long eventSize, int extCount,
                      short read, short write, short aio, short vnode, short proc, short signal,
                      short timer, short user, short fs, short except, short empty,
                      int seconds, int millis, int micros, int nanos, int absolute,
                      int immediate, int errorEvents) {
        this.name = name;
        this.kevent64 = kevent64;
        this.eventSize = eventSize;
        this.extCount = extCount;
        this.evfiltRead = read;
        this.evfiltWrite = write;
        this.evfiltAio = aio;
        this.evfiltVnode = vnode;
        this.evfiltProc = proc;
        this.evfiltSignal = signal;
        this.evfiltTimer = timer;
        this.evfiltUser = user;
        this.evfiltFs = fs;
        this.evfiltExcept = except;
        this.evfiltEmpty = empty;
        this.noteSeconds = seconds;
        this.noteMilliseconds = millis;
        this.noteMicroseconds = micros;
        this.noteNanoseconds = nanos;
        this.noteAbsolute = absolute;
        this.keventFlagImmediate = immediate;
        this.keventFlagErrorEvents = errorEvents;
    }

    @Override
    public String toString() {
        return name;
    }
}
