package io.kqueueffm.ffi;

import io.kqueueffm.abi.ErrnoTable;
import io.kqueueffm.abi.Platform;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * errno of the running OS: its numbers (resolved once from the OS's table, so code compares against
 * {@code Errno.EAGAIN} rather than a literal) and the capture-state segment that FFM fills after each
 * call ({@code Linker.Option.captureCallState("errno")}).
 */
public final class Errno {
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> PER_THREAD =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final ErrnoTable TABLE = Platform.current().errno == null ? ErrnoTable.LINUX : Platform.current().errno;

    public static final int EPERM = TABLE.number("EPERM");
    public static final int ENOENT = TABLE.number("ENOENT");
    public static final int EINTR = TABLE.number("EINTR");
    public static final int EBADF = TABLE.number("EBADF");
    public static final int ENOMEM = TABLE.number("ENOMEM");
    public static final int EINVAL = TABLE.number("EINVAL");
    public static final int ENFILE = TABLE.number("ENFILE");
    public static final int EMFILE = TABLE.number("EMFILE");
    public static final int EPIPE = TABLE.number("EPIPE");
    public static final int ERANGE = TABLE.number("ERANGE");
    public static final int EAGAIN = TABLE.number("EAGAIN");
    public static final int EINPROGRESS = TABLE.number("EINPROGRESS");
    public static final int EALREADY = TABLE.number("EALREADY");
    public static final int ENOTSOCK = TABLE.number("ENOTSOCK");
    public static final int ENOPROTOOPT = TABLE.number("ENOPROTOOPT");
    public static final int EOPNOTSUPP = TABLE.number("EOPNOTSUPP");
    public static final int EAFNOSUPPORT = TABLE.number("EAFNOSUPPORT");
    public static final int EADDRINUSE = TABLE.number("EADDRINUSE");
    public static final int EADDRNOTAVAIL = TABLE.number("EADDRNOTAVAIL");
    public static final int ENETUNREACH = TABLE.number("ENETUNREACH");
    public static final int ECONNABORTED = TABLE.number("ECONNABORTED");
    public static final int ECONNRESET = TABLE.number("ECONNRESET");
    public static final int ENOBUFS = TABLE.number("ENOBUFS");
    public static final int EISCONN = TABLE.number("EISCONN");
    public static final int ENOTCONN = TABLE.number("ENOTCONN");
    public static final int ESHUTDOWN = TABLE.number("ESHUTDOWN");
    public static final int ETIMEDOUT = TABLE.number("ETIMEDOUT");
    public static final int ECONNREFUSED = TABLE.number("ECONNREFUSED");
    public static final int EHOSTUNREACH = TABLE.number("EHOSTUNREACH");

    private Errno() {
    }

    /** A capture segment for the calling thread (hot paths pass their own, owned per loop). */
    public static MemorySegment threadSegment() {
        return PER_THREAD.get();
    }

    /** A fresh capture segment in {@code arena}, for an owner that calls from one thread. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /** errno as captured by the last call that used {@code capture}. */
    public static int get(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    public static String name(int errno) {
        return NativeException.errnoName(errno);
    }

    /** strerror's text for {@code errno} on the running OS. */
    public static String message(int errno) {
        return TABLE.message(errno);
    }
}
