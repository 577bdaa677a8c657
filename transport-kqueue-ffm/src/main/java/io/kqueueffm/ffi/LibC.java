package io.kqueueffm.ffi;

import io.kqueueffm.abi.Platform;
import io.kqueueffm.abi.SendfileAbi;
import io.kqueueffm.abi.SocketAbi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls to the C library (and, on Linux, to the kqueue emulation in front of it).
 *
 * <p>Every handle is a static final, captures errno into the segment passed as first argument, and
 * takes pointers as {@code long} addresses (LP64 passes both in the same registers), so a call
 * allocates nothing. Every method returns the call's non-negative result, or {@code -errno}.
 * A symbol the OS lacks (kevent64 on FreeBSD, accept4 on Darwin) leaves its handle null; callers
 * choose through the ABI tables and never reach it.
 */
public final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final SocketAbi SOCKET_ABI = Platform.current().socket;
    private static final SendfileAbi SENDFILE_ABI = Platform.current().sendfile;

    private static final MethodHandle KQUEUE = find("kqueue", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle KEVENT64 = find("kevent64", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle KEVENT = find("kevent", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle CLOSE = find("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = find("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = find("socketpair", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PIPE = find("pipe", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle BIND = find("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTEN = find("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT = find("accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle ACCEPT4 = find("accept4", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CONNECT = find("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = find("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = find("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SEND = find("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMSG = find("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = find("sendto", FunctionDescriptor.of(JAVA_LONG,
            JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVFROM = find("recvfrom", FunctionDescriptor.of(JAVA_LONG,
            JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle RECVMSG = find("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITEV = find("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = find("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = find("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETPEERNAME = find("getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SETSOCKOPT = find("setsockopt", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = find("getsockopt", FunctionDescriptor.of(JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    // Variadic: the third argument is the first variadic one (Apple silicon passes it on the stack),
    // as wide as the OS's libc reads it.
    private static final MethodHandle FCNTL = fcntlHandle();
    private static final MethodHandle SENDFILE = SENDFILE_ABI == null ? null
            : find("sendfile", sendfileDescriptor(SENDFILE_ABI));
    // open(2) is variadic too, but only from the mode argument on, which is never passed here.
    private static final MethodHandle OPEN = find("open", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL = find("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));

    // Not final on purpose: see root().
    private static MethodHandle KEVENT64_ROOT = root("kevent64Root", int.class, MemorySegment.class, int.class, long.class, int.class, long.class, int.class, int.class, long.class);

    private static MethodHandle KEVENT_ROOT = root("keventRoot", int.class, MemorySegment.class, int.class, long.class, int.class, long.class, int.class, long.class);

    private static MethodHandle READ_ROOT = root("readRoot", long.class, MemorySegment.class, int.class, long.class, long.class);

    private static MethodHandle SEND_ROOT = root("sendRoot", long.class, MemorySegment.class, int.class, long.class, long.class, int.class);

    private static MethodHandle SENDMSG_ROOT = root("sendmsgRoot", long.class, MemorySegment.class, int.class, long.class, int.class);

    private static MethodHandle SENDTO_ROOT = root("sendtoRoot", long.class, MemorySegment.class, int.class, long.class, long.class, int.class, long.class, int.class);

    private static MethodHandle RECVFROM_ROOT = root("recvfromRoot", long.class, MemorySegment.class, int.class, long.class, long.class, int.class, long.class, long.class);

    private static MethodHandle RECVMSG_ROOT = root("recvmsgRoot", long.class, MemorySegment.class, int.class, long.class, int.class);

    private LibC() {
    }

    /**
     * A compilation boundary for the hot calls (I/O and kevent). With captureCallState, every downcall
     * slices its capture segment; that object is only eliminated when C2 inlines the JDK's whole
     * capture chain (about twelve frames) into the same compilation unit, which fails when the call
     * sits deep in Netty's pipeline ("inlining too deep"), costing ~40 bytes per syscall. Called
     * through a MethodHandle that is deliberately not a constant, the wrapper cannot be inlined into
     * its caller: it is compiled as its own root, where the chain fits.
     */
    private static MethodHandle root(String name, Class<?> ret, Class<?>... params) {
        try {
            return MethodHandles.lookup().findStatic(LibC.class, name, MethodType.methodType(ret, params));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MethodHandle find(String name, FunctionDescriptor fd, Linker.Option... extra) {
        if (NativeLibrary.unavailabilityCause() != null) {
            return null;
        }
        MemorySegment symbol = NativeLibrary.lookup().find(name).orElse(null);
        if (symbol == null) {
            return null;
        }
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** fcntl(int, int, ...) with the third argument as wide as {@code abi}'s libc reads it. */
    static FunctionDescriptor fcntlDescriptor(SocketAbi abi) {
        return FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, abi.fcntlLongArg ? JAVA_LONG : JAVA_INT);
    }

    private static MethodHandle fcntlHandle() {
        if (SOCKET_ABI == null) {
            return null;
        }
        MethodHandle h = find("fcntl", fcntlDescriptor(SOCKET_ABI), Linker.Option.firstVariadicArg(2));
        if (h == null || !SOCKET_ABI.fcntlLongArg) {
            return h;
        }
        // One Java signature for both widths: widen the int argument, sign-extended.
        return MethodHandles.explicitCastArguments(h,
                MethodType.methodType(int.class, MemorySegment.class, int.class, int.class, int.class));
    }

    /** The C signature of {@code abi}'s sendfile; pointers as addresses, off_t and size_t as longs. */
    static FunctionDescriptor sendfileDescriptor(SendfileAbi abi) {
        return switch (abi) {
            // fd, s, offset, off_t *len, sf_hdtr *hdtr, flags
            case DARWIN -> FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT);
            // fd, s, offset, nbytes, sf_hdtr *hdtr, off_t *sbytes, flags
            case FREEBSD -> FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_INT);
        };
    }

    /** Whether the running libc (or emulation) exports {@code name}'s handle here. */
    public static boolean has(String name) {
        return switch (name) {
            case "kevent64" -> KEVENT64 != null;
            case "kevent" -> KEVENT != null;
            case "kqueue" -> KQUEUE != null;
            case "accept4" -> ACCEPT4 != null;
            case "sendfile" -> SENDFILE != null;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static int check(MemorySegment cs, int r) {
        return r == -1 ? -Errno.get(cs) : r;
    }

    private static long check(MemorySegment cs, long r) {
        return r == -1 ? -Errno.get(cs) : r;
    }

    private static Error rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new AssertionError(t);
    }

    public static int kqueue(MemorySegment cs) {
        try {
            return check(cs, (int) KQUEUE.invokeExact(cs));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int kevent64(MemorySegment cs, int kq, long changes, int nchanges, long events, int nevents, int flags, long timeout) {
        try {
            return (int) KEVENT64_ROOT.invokeExact(cs, kq, changes, nchanges, events, nevents, flags, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int kevent64Root(MemorySegment cs, int kq, long changes, int nchanges, long events, int nevents,
                               int flags, long timeout) {
        try {
            return check(cs, (int) KEVENT64.invokeExact(cs, kq, changes, nchanges, events, nevents, flags, timeout));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int kevent(MemorySegment cs, int kq, long changes, int nchanges, long events, int nevents, long timeout) {
        try {
            return (int) KEVENT_ROOT.invokeExact(cs, kq, changes, nchanges, events, nevents, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int keventRoot(MemorySegment cs, int kq, long changes, int nchanges, long events, int nevents,
                             long timeout) {
        try {
            return check(cs, (int) KEVENT.invokeExact(cs, kq, changes, nchanges, events, nevents, timeout));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(MemorySegment cs, int fd) {
        try {
            return check(cs, (int) CLOSE.invokeExact(cs, fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socket(MemorySegment cs, int domain, int type, int protocol) {
        try {
            return check(cs, (int) SOCKET.invokeExact(cs, domain, type, protocol));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socketpair(MemorySegment cs, int domain, int type, int protocol, long fds) {
        try {
            return check(cs, (int) SOCKETPAIR.invokeExact(cs, domain, type, protocol, fds));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int pipe(MemorySegment cs, long fds) {
        try {
            return check(cs, (int) PIPE.invokeExact(cs, fds));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(MemorySegment cs, int fd, long addr, int len) {
        try {
            return check(cs, (int) BIND.invokeExact(cs, fd, addr, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int listen(MemorySegment cs, int fd, int backlog) {
        try {
            return check(cs, (int) LISTEN.invokeExact(cs, fd, backlog));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int accept(MemorySegment cs, int fd, long addr, long lenPtr) {
        try {
            return check(cs, (int) ACCEPT.invokeExact(cs, fd, addr, lenPtr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int accept4(MemorySegment cs, int fd, long addr, long lenPtr, int flags) {
        try {
            return check(cs, (int) ACCEPT4.invokeExact(cs, fd, addr, lenPtr, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int connect(MemorySegment cs, int fd, long addr, int len) {
        try {
            return check(cs, (int) CONNECT.invokeExact(cs, fd, addr, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(MemorySegment cs, int fd, long buf, long len) {
        try {
            return (long) READ_ROOT.invokeExact(cs, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long readRoot(MemorySegment cs, int fd, long buf, long len) {
        try {
            return check(cs, (long) READ.invokeExact(cs, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(MemorySegment cs, int fd, long buf, long len) {
        try {
            return check(cs, (long) WRITE.invokeExact(cs, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long send(MemorySegment cs, int fd, long buf, long len, int flags) {
        try {
            return (long) SEND_ROOT.invokeExact(cs, fd, buf, len, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long sendRoot(MemorySegment cs, int fd, long buf, long len, int flags) {
        try {
            return check(cs, (long) SEND.invokeExact(cs, fd, buf, len, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sendmsg(MemorySegment cs, int fd, long msghdr, int flags) {
        try {
            return (long) SENDMSG_ROOT.invokeExact(cs, fd, msghdr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long sendmsgRoot(MemorySegment cs, int fd, long msghdr, int flags) {
        try {
            return check(cs, (long) SENDMSG.invokeExact(cs, fd, msghdr, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sendto(MemorySegment cs, int fd, long buf, long len, int flags, long addr, int addrLen) {
        try {
            return (long) SENDTO_ROOT.invokeExact(cs, fd, buf, len, flags, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long sendtoRoot(MemorySegment cs, int fd, long buf, long len, int flags, long addr, int addrLen) {
        try {
            return check(cs, (long) SENDTO.invokeExact(cs, fd, buf, len, flags, addr, addrLen));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvfrom(2); {@code addr} and {@code lenPtr} may be 0 (connected sockets). */
    public static long recvfrom(MemorySegment cs, int fd, long buf, long len, int flags, long addr, long lenPtr) {
        try {
            return (long) RECVFROM_ROOT.invokeExact(cs, fd, buf, len, flags, addr, lenPtr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long recvfromRoot(MemorySegment cs, int fd, long buf, long len, int flags, long addr, long lenPtr) {
        try {
            return check(cs, (long) RECVFROM.invokeExact(cs, fd, buf, len, flags, addr, lenPtr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long recvmsg(MemorySegment cs, int fd, long msghdr, int flags) {
        try {
            return (long) RECVMSG_ROOT.invokeExact(cs, fd, msghdr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long recvmsgRoot(MemorySegment cs, int fd, long msghdr, int flags) {
        try {
            return check(cs, (long) RECVMSG.invokeExact(cs, fd, msghdr, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long writev(MemorySegment cs, int fd, long iov, int iovcnt) {
        try {
            return check(cs, (long) WRITEV.invokeExact(cs, fd, iov, iovcnt));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int shutdown(MemorySegment cs, int fd, int how) {
        try {
            return check(cs, (int) SHUTDOWN.invokeExact(cs, fd, how));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockname(MemorySegment cs, int fd, long addr, long lenPtr) {
        try {
            return check(cs, (int) GETSOCKNAME.invokeExact(cs, fd, addr, lenPtr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getpeername(MemorySegment cs, int fd, long addr, long lenPtr) {
        try {
            return check(cs, (int) GETPEERNAME.invokeExact(cs, fd, addr, lenPtr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(MemorySegment cs, int fd, int level, int name, long value, int len) {
        try {
            return check(cs, (int) SETSOCKOPT.invokeExact(cs, fd, level, name, value, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockopt(MemorySegment cs, int fd, int level, int name, long value, long lenPtr) {
        try {
            return check(cs, (int) GETSOCKOPT.invokeExact(cs, fd, level, name, value, lenPtr));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int fcntl(MemorySegment cs, int fd, int cmd, int arg) {
        try {
            return check(cs, (int) FCNTL.invokeExact(cs, fd, cmd, arg));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * sendfile of {@code count} bytes of file {@code fd} at {@code offset} to socket {@code s}, in
     * the running OS's shape. The bytes sent are stored in {@code sent} (an off_t) whatever the
     * outcome, EAGAIN and EINTR included. Returns 0 or -errno.
     */
    public static int sendfile(MemorySegment cs, int fd, int s, long offset, long count, MemorySegment sent) {
        try {
            int r;
            if (SENDFILE_ABI == SendfileAbi.DARWIN) {
                sent.set(JAVA_LONG, 0, count);
                r = (int) SENDFILE.invokeExact(cs, fd, s, offset, sent.address(), 0L, 0);
            } else {
                sent.set(JAVA_LONG, 0, 0L);
                r = (int) SENDFILE.invokeExact(cs, fd, s, offset, count, 0L, sent.address(), 0);
            }
            return check(cs, r);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** open(2) of the NUL-terminated path at {@code path}; the fd or -errno. */
    public static int open(MemorySegment cs, long path, int flags) {
        try {
            return check(cs, (int) OPEN.invokeExact(cs, path, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(MemorySegment cs, int fd, long request, long argp) {
        try {
            return check(cs, (int) IOCTL.invokeExact(cs, fd, request, argp));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
