package io.kqueueffm.abi;

/**
 * The tables in force for one operating system: which kqueue ABI, which socket constants, which
 * errno numbering. Linux pairs Darwin's kqueue ABI (what the emulation exports) with its own socket
 * and errno tables.
 *
 * <p>For tests on Linux, {@value #EMULATED_ABI_PROPERTY}{@code =freebsd} selects FreeBSD's kqueue
 * ABI instead, served by the FreeBSD build of the emulation: the FreeBSD kevent table and call
 * path then run end to end here. Sockets and errno stay Linux's in that mode (the process is a
 * Linux process), so it checks the kqueue side of FreeBSD, not its socket layer.
 */
public enum Platform {
    DARWIN(KeventAbi.DARWIN, SocketAbi.DARWIN, ErrnoTable.DARWIN, null),
    FREEBSD(KeventAbi.FREEBSD, SocketAbi.FREEBSD, ErrnoTable.FREEBSD, null),
    LINUX_EMULATED(KeventAbi.DARWIN, SocketAbi.LINUX, ErrnoTable.LINUX, "libkqueue-emulation.so"),
    LINUX_EMULATED_FREEBSD(KeventAbi.FREEBSD, SocketAbi.LINUX, ErrnoTable.LINUX, "libkqueue-emulation-freebsd.so"),
    UNSUPPORTED(null, null, null, null);

    /** {@code darwin} (default) or {@code freebsd}: the kqueue ABI the Linux emulation serves. */
    public static final String EMULATED_ABI_PROPERTY = "kqueueffm.emulation.abi";

    private static final Platform CURRENT = of(Os.current(), System.getProperty(EMULATED_ABI_PROPERTY, "darwin"));

    public final KeventAbi kevent;
    public final SocketAbi socket;
    public final ErrnoTable errno;
    /** kqueue comes from the project's emulation library rather than from libc. */
    public final boolean emulated;
    /** File name of the emulation library that serves {@link #kevent}; null when not emulated. */
    public final String emulationLibrary;

    Platform(KeventAbi kevent, SocketAbi socket, ErrnoTable errno, String emulationLibrary) {
        this.kevent = kevent;
        this.socket = socket;
        this.errno = errno;
        this.emulated = emulationLibrary != null;
        this.emulationLibrary = emulationLibrary;
    }

    public static Platform current() {
        return CURRENT;
    }

    public static Platform of(Os os) {
        return of(os, "darwin");
    }

    static Platform of(Os os, String emulatedAbi) {
        return switch (os) {
            case DARWIN -> DARWIN;
            case FREEBSD -> FREEBSD;
            case LINUX -> switch (emulatedAbi) {
                case "darwin" -> LINUX_EMULATED;
                case "freebsd" -> LINUX_EMULATED_FREEBSD;
                default -> throw new IllegalArgumentException(
                        EMULATED_ABI_PROPERTY + " must be darwin or freebsd, not " + emulatedAbi);
            };
            case OTHER -> UNSUPPORTED;
        };
    }
}
