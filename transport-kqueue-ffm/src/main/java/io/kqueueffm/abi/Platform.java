package io.kqueueffm.abi;

/**
 * The tables in force for one operating system: which kqueue ABI, which socket constants, which
 * errno numbering. Linux pairs Darwin's kqueue ABI (what the emulation exports) with its own socket
 * and errno tables.
 */
public enum Platform {
    DARWIN(KeventAbi.DARWIN, SocketAbi.DARWIN, ErrnoTable.DARWIN, false),
    FREEBSD(KeventAbi.FREEBSD, SocketAbi.FREEBSD, ErrnoTable.FREEBSD, false),
    LINUX_EMULATED(KeventAbi.DARWIN, SocketAbi.LINUX, ErrnoTable.LINUX, true),
    UNSUPPORTED(null, null, null, false);

    private static final Platform CURRENT = of(Os.current());

    public final KeventAbi kevent;
    public final SocketAbi socket;
    public final ErrnoTable errno;
    /** kqueue comes from the project's emulation library rather than from libc. */
    public final boolean emulated;

    Platform(KeventAbi kevent, SocketAbi socket, ErrnoTable errno, boolean emulated) {
        this.kevent = kevent;
        this.socket = socket;
        this.errno = errno;
        this.emulated = emulated;
    }

    public static Platform current() {
        return CURRENT;
    }

    public static Platform of(Os os) {
        return switch (os) {
            case DARWIN -> DARWIN;
            case FREEBSD -> FREEBSD;
            case LINUX -> LINUX_EMULATED;
            case OTHER -> UNSUPPORTED;
        };
    }
}
