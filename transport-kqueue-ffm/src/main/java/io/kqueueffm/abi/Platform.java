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
    DARWIN(KeventAbi.DARWIN, SocketAbi.DARWIN, ErrnoTable.DARWIN, SendfileAbi.DARWIN, null),
    FREEBSD(KeventAbi.FREEBSD, SocketAbi.FREEBSD, ErrnoTable.FREEBSD, SendfileAbi.FREEBSD, null),
    /** The emulation exports Darwin's sendfile in front of glibc's, whose argument order differs. */
    LINUX_EMULATED(KeventAbi.DARWIN, SocketAbi.LINUX, ErrnoTable.LINUX, SendfileAbi.DARWIN, "libkqueue-emulation.so"),
    /** The FreeBSD build of the emulation exports FreeBSD's sendfile. */
    LINUX_EMULATED_FREEBSD(KeventAbi.FREEBSD, SocketAbi.LINUX, ErrnoTable.LINUX, SendfileAbi.FREEBSD,
            "libkqueue-emulation-freebsd.so"),
    UNSUPPORTED(null, null, null, null, null);

    /** {@code darwin} (default) or {@code freebsd}: the kqueue ABI the Linux emulation serves. */
    public static final String EMULATED_ABI_PROPERTY = "kqueueffm.emulation.abi";

    private static final Platform CURRENT = of(Os.current(), System.getProperty(EMULATED_ABI_PROPERTY, "darwin"));

    public final KeventAbi kevent;
    public final SocketAbi socket;
    public final ErrnoTable errno;
    public final SendfileAbi sendfile;
    /** kqueue comes from the project's emulation library rather than from libc. */
    public final boolean emulated;
    /** File name of the emulation library that serves {@link #kevent}; null when not emulated. */
    public final String emulationLibrary;

    Platform(KeventAbi kevent, SocketAbi socket, ErrnoTable errno, SendfileAbi sendfile, String emulationLibrary) {
        this.kevent = kevent;
        this.socket = socket;
        this.errno = errno;
        this.sendfile = sendfile;
        this.emulated = emulationLibrary != null;
        this.emulationLibrary = emulationLibrary;
    }

    public static Platform current() {
        return CURRENT;
    }

    /**
     * Why these tables cannot serve {@code os} at version {@code osVersion} ({@code os.version}), or
     * null. FreeBSD before 12 has only the 32-byte kevent record: the 64-byte one of
     * {@link KeventAbi#FREEBSD} would be read as two records and corrupt both.
     */
    public static String refusal(Os os, String osVersion) {
        if (os != Os.FREEBSD) {
            return null;
        }
        int major = leadingNumber(osVersion);
        if (major < 0) {
            return "cannot tell the FreeBSD version from os.version=\"" + osVersion + "\"; kqueue-ffm needs FreeBSD 12+";
        }
        if (major < 12) {
            return "FreeBSD " + osVersion + " is older than 12: its kevent takes 32-byte records, kqueue-ffm "
                    + "speaks the 64-byte ABI of FreeBSD 12+";
        }
        return null;
    }

    private static int leadingNumber(String s) {
        int i = 0;
        while (s != null && i < s.length() && i < 9 && Character.isDigit(s.charAt(i))) {
            i++;
        }
        return i == 0 ? -1 : Integer.parseInt(s.substring(0, i));
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
