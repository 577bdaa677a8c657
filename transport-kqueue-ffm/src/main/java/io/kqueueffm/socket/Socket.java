package io.kqueueffm.socket;

import io.kqueueffm.abi.Platform;
import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.ffi.NativeException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A non-blocking, close-on-exec socket (TCP, UDP or Unix domain) that owns its fd. Calls return
 * plain values for the outcomes an event loop expects (bytes, "would block", EOF) and throw
 * {@link IOException}s, mapped by {@link Errors}, for the rest.
 */
public final class Socket {
    private static final SocketAbi ABI = Platform.current().socket;
    private static final int INPUT_SHUTDOWN = 1;
    private static final int OUTPUT_SHUTDOWN = 2;
    private static final int CLOSED = 4;
    /** Flags for send/sendmsg: MSG_NOSIGNAL where SO_NOSIGPIPE does not exist (Linux). */
    static final int SEND_FLAGS = SocketAbi.has(ABI.soNosigpipe) ? 0 : ABI.msgNosignal;
    private static final boolean IPV6 = probeIpv6();

    private final int fd;
    private final boolean inet6;
    private final AtomicInteger state = new AtomicInteger();
    private volatile boolean connectPending;

    private Socket(int fd, boolean inet6) {
        this.fd = fd;
        this.inet6 = inet6;
    }

    private static boolean probeIpv6() {
        if (Platform.current().socket == null || Boolean.getBoolean("java.net.preferIPv4Stack")) {
            return false;
        }
        try {
            MemorySegment cs = Scratch.get().errno;
            int s = LibC.socket(cs, ABI.afInet6, SocketAbi.SOCK_STREAM, 0);
            if (s < 0) {
                return false;
            }
            LibC.close(cs, s);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether new sockets are IPv6 dual-stack (else IPv4 only). */
    public static boolean isIpv6Preferred() {
        return IPV6;
    }

    public static SocketAbi abi() {
        return ABI;
    }

    /** A new TCP socket: IPv6 dual-stack where the host has IPv6, else IPv4. */
    public static Socket newStreamSocket() throws IOException {
        return newStreamSocket(IPV6);
    }

    public static Socket newStreamSocket(boolean inet6) throws IOException {
        return newInetSocket(SocketAbi.SOCK_STREAM, inet6);
    }

    /** A new UDP socket: IPv6 dual-stack ({@code inet6}) or IPv4. */
    public static Socket newDatagramSocket(boolean inet6) throws IOException {
        return newInetSocket(SocketAbi.SOCK_DGRAM, inet6);
    }

    /** A new Unix domain socket: {@code SocketAbi.SOCK_STREAM} or {@code SOCK_DGRAM}. */
    public static Socket newUnixSocket(int sockType) throws IOException {
        return open(SocketAbi.AF_UNIX, sockType, false);
    }

    private static Socket newInetSocket(int sockType, boolean inet6) throws IOException {
        return open(inet6 ? ABI.afInet6 : SocketAbi.AF_INET, sockType, inet6);
    }

    private static Socket open(int family, int sockType, boolean inet6) throws IOException {
        Scratch s = Scratch.get();
        int type = sockType;
        boolean atomicFlags = SocketAbi.has(ABI.sockNonblock);
        if (atomicFlags) {
            type |= ABI.sockNonblock | ABI.sockCloexec;
        }
        int fd = LibC.socket(s.errno, family, type, 0);
        if (fd < 0) {
            throw Errors.newIOException("socket", -fd);
        }
        Socket socket = new Socket(fd, inet6);
        try {
            socket.prepare(!atomicFlags);
            if (inet6) {
                socket.setInt(SocketAbi.IPPROTO_IPV6, ABI.ipv6V6only, 0);
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /** Adopts an fd returned by {@link #accept}; it is already non-blocking. */
    public static Socket adopt(int fd, boolean inet6) {
        return new Socket(fd, inet6);
    }

    private void prepare(boolean setFlags) throws IOException {
        MemorySegment cs = Scratch.get().errno;
        if (setFlags) {
            int fl = LibC.fcntl(cs, fd, ABI.fGetfl, 0);
            if (fl < 0 || LibC.fcntl(cs, fd, ABI.fSetfl, fl | ABI.oNonblock) < 0) {
                throw Errors.newIOException("fcntl(O_NONBLOCK)", Errno.get(cs));
            }
            if (LibC.fcntl(cs, fd, ABI.fSetfd, ABI.fdCloexec) < 0) {
                throw Errors.newIOException("fcntl(FD_CLOEXEC)", Errno.get(cs));
            }
        }
        if (SocketAbi.has(ABI.soNosigpipe)) {
            setInt(ABI.solSocket, ABI.soNosigpipe, 1);
        }
    }

    public int fd() {
        return fd;
    }

    public boolean isInet6() {
        return inet6;
    }

    public boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    public boolean isInputShutdown() {
        return (state.get() & INPUT_SHUTDOWN) != 0;
    }

    public boolean isOutputShutdown() {
        return (state.get() & OUTPUT_SHUTDOWN) != 0;
    }

    public boolean isShutdown() {
        int s = state.get();
        return (s & (INPUT_SHUTDOWN | OUTPUT_SHUTDOWN)) == (INPUT_SHUTDOWN | OUTPUT_SHUTDOWN);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    public void bind(SocketAddress local) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        int len = encode(s.addr, local);
        int r = LibC.bind(s.errno, fd, s.addr.address(), len);
        if (r < 0) {
            throw Errors.newBindException(-r, local);
        }
    }

    public void listen(int backlog) throws IOException {
        ensureOpen();
        int r = LibC.listen(Scratch.get().errno, fd, backlog);
        if (r < 0) {
            throw Errors.newIOException("listen", -r);
        }
    }

    /**
     * Starts a connect. Returns true if it completed at once, false if it is in progress (wait for
     * write readiness, then {@link #finishConnect}).
     */
    public boolean connect(SocketAddress remote) throws IOException {
        ensureOpen();
        if (connectPending) {
            throw new ConnectionPendingException();
        }
        Scratch s = Scratch.get();
        int len = encode(s.addr, remote);
        int r = LibC.connect(s.errno, fd, s.addr.address(), len);
        if (r == 0) {
            return true;
        }
        int errno = -r;
        if (errno == Errno.EINPROGRESS) {
            connectPending = true;
            return false;
        }
        if (errno == Errno.EISCONN) {
            throw new AlreadyConnectedException();
        }
        if (errno == Errno.EALREADY) {
            throw new ConnectionPendingException();
        }
        throw Errors.newConnectException("connect", errno, remote);
    }

    /** After write readiness: true once connected; throws the connect error otherwise. */
    public boolean finishConnect(SocketAddress remote) throws IOException {
        ensureOpen();
        int err = getInt(ABI.solSocket, ABI.soError);
        if (err != 0) {
            connectPending = false;
            throw Errors.newConnectException("connect", err, remote);
        }
        if (remoteAddress() == null) {
            // Spurious readiness: still connecting.
            return false;
        }
        connectPending = false;
        return true;
    }

    /**
     * Accepts one connection into {@code scratchAddr} (at least 128 bytes, its length at
     * {@code scratchLen}). Returns the new non-blocking fd, or -1 when none is pending.
     */
    public int accept(MemorySegment errno, MemorySegment scratchAddr, MemorySegment scratchLen) throws IOException {
        for (;;) {
            scratchLen.set(JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
            int r;
            if (ABI.hasAccept4) {
                r = LibC.accept4(errno, fd, scratchAddr.address(), scratchLen.address(),
                        ABI.sockNonblock | ABI.sockCloexec);
            } else {
                r = LibC.accept(errno, fd, scratchAddr.address(), scratchLen.address());
            }
            if (r < 0) {
                int e = -r;
                if (e == Errno.EAGAIN || e == Errno.EINTR) {
                    return -1;
                }
                if (e == Errno.ECONNABORTED) {
                    continue;
                }
                throw Errors.newIOException("accept", e);
            }
            if (!ABI.hasAccept4 || SocketAbi.has(ABI.soNosigpipe)) {
                Socket child = new Socket(r, inet6);
                try {
                    child.prepare(!ABI.hasAccept4);
                } catch (IOException e) {
                    // A connection reset before accept() refuses options (xnu: EINVAL once both
                    // directions are shut). It is dead anyway: drop it and take the next one.
                    child.close();
                    continue;
                }
            }
            return r;
        }
    }

    /** Reads into {@code addr}: bytes read, 0 if it would block, -1 at end of stream. */
    public int read(MemorySegment errno, long addr, int len) throws IOException {
        long r = LibC.read(errno, fd, addr, len);
        if (r > 0) {
            return (int) r;
        }
        if (r == 0) {
            return len == 0 ? 0 : -1;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return 0;
        }
        throw Errors.newIOException("read", e);
    }

    /** Writes from {@code addr}: bytes written, 0 if it would block. Never raises SIGPIPE. */
    public int write(MemorySegment errno, long addr, int len) throws IOException {
        long r = LibC.send(errno, fd, addr, len, SEND_FLAGS);
        if (r >= 0) {
            return (int) r;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return 0;
        }
        throw Errors.newIOException("write", e);
    }

    /** Gathering write of {@code iov}: bytes written, 0 if it would block. Never raises SIGPIPE. */
    public long writev(MemorySegment errno, IovArray iov) throws IOException {
        long r = LibC.sendmsg(errno, fd, iov.msghdr(), SEND_FLAGS);
        if (r >= 0) {
            return r;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return 0;
        }
        throw Errors.newIOException("writev", e);
    }

    /**
     * Receives one datagram into {@code addr}, the sender's sockaddr into {@code from} (its capacity at
     * {@code fromLen}, overwritten with its length); {@code from} may be {@code null} on a connected
     * socket. Returns the datagram's length (0 for an empty one, truncated to {@code len}), or -1 when
     * none is queued. A pending ICMP error of a connected socket is a {@link PortUnreachableException}.
     */
    public int receive(MemorySegment errno, long addr, int len, MemorySegment from, MemorySegment fromLen)
            throws IOException {
        long r;
        if (from == null) {
            r = LibC.recvfrom(errno, fd, addr, len, 0, 0, 0);
        } else {
            fromLen.set(JAVA_INT, 0, (int) Math.min(from.byteSize(), SocketAbi.SOCKADDR_STORAGE_SIZE));
            r = LibC.recvfrom(errno, fd, addr, len, 0, from.address(), fromLen.address());
        }
        if (r >= 0) {
            return (int) r;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return -1;
        }
        throw Errors.newDatagramException("recvfrom", e);
    }

    /**
     * Sends one datagram of {@code len} bytes at {@code addr} to the sockaddr of {@code toLen} bytes at
     * {@code to} (0 and 0 on a connected socket). Returns the bytes sent, or -1 if the send buffer is
     * full. Never raises SIGPIPE.
     */
    public int sendTo(MemorySegment errno, long addr, int len, long to, int toLen) throws IOException {
        long r = to == 0 ? LibC.send(errno, fd, addr, len, SEND_FLAGS)
                : LibC.sendto(errno, fd, addr, len, SEND_FLAGS, to, toLen);
        if (r >= 0) {
            return (int) r;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return -1;
        }
        throw Errors.newDatagramException("sendto", e);
    }

    /** One datagram gathered from {@code iov}, like {@link #sendTo}. */
    public long sendTo(MemorySegment errno, IovArray iov, long to, int toLen) throws IOException {
        long r = LibC.sendmsg(errno, fd, iov.msghdr(to, toLen), SEND_FLAGS);
        if (r >= 0) {
            return r;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return -1;
        }
        throw Errors.newDatagramException("sendmsg", e);
    }

    /**
     * Dissolves a datagram socket's association (connect(2) to AF_UNSPEC). The BSDs disconnect first
     * and then refuse the AF_UNSPEC address with EAFNOSUPPORT, which is the expected outcome there.
     */
    public void disconnect() throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.addr.asSlice(0, SocketAbi.SOCKADDR_IN6_SIZE).fill((byte) 0);
        int len = SocketAddresses.encodeUnspec(ABI, s.addr);
        int r = LibC.connect(s.errno, fd, s.addr.address(), len);
        if (r < 0 && -r != Errno.EAFNOSUPPORT) {
            throw Errors.newIOException("connect(AF_UNSPEC)", -r);
        }
    }

    /** setsockopt(2) with the first {@code len} bytes of {@code value} as the option value. */
    void setOption(int level, int name, MemorySegment value, int len, String what) throws IOException {
        ensureOpen();
        int r = LibC.setsockopt(Scratch.get().errno, fd, level, name, value.address(), len);
        if (r < 0) {
            throw new NativeException("setsockopt", -r, what);
        }
    }

    /** getsockopt(2) into {@code value}; returns the length the kernel wrote. */
    int getOption(int level, int name, MemorySegment value, int capacity, String what) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.len.set(JAVA_INT, 0, capacity);
        int r = LibC.getsockopt(s.errno, fd, level, name, value.address(), s.len.address());
        if (r < 0) {
            throw new NativeException("getsockopt", -r, what);
        }
        return s.len.get(JAVA_INT, 0);
    }

    /**
     * sendfile of up to {@code count} bytes of {@code file} at {@code offset}: the bytes sent, which
     * may be fewer (0 when the socket is full), or -1 when the file ended before any byte could be
     * sent. Bytes the call reports with EAGAIN or EINTR count as
     * sent: the kernel did send them, and resending would duplicate them. {@code sent} is an 8-byte
     * scratch for the call's out-parameter.
     */
    public long sendFile(MemorySegment errno, MemorySegment sent, RegularFile file, long offset, long count)
            throws IOException {
        int r = LibC.sendfile(errno, file.fd(), fd, offset, count, sent);
        long n = sent.get(JAVA_LONG, 0);
        if (r == 0) {
            return n == 0 && count > 0 ? -1 : n;
        }
        if (-r == Errno.EAGAIN || -r == Errno.EINTR) {
            return n;
        }
        throw Errors.newIOException("sendfile", -r);
    }

    /** Bytes waiting in the receive buffer (FIONREAD). */
    public int bytesReadable() throws IOException {
        Scratch s = Scratch.get();
        int r = LibC.ioctl(s.errno, fd, ABI.fionread, s.value.address());
        if (r < 0) {
            throw Errors.newIOException("ioctl(FIONREAD)", -r);
        }
        return s.value.get(JAVA_INT, 0);
    }

    public void shutdown(boolean input, boolean output) throws IOException {
        int mask = (input ? INPUT_SHUTDOWN : 0) | (output ? OUTPUT_SHUTDOWN : 0);
        for (;;) {
            int old = state.get();
            if ((old & CLOSED) != 0) {
                throw new ClosedChannelException();
            }
            if ((old | mask) == old) {
                return;
            }
            int how = (input && output) ? SocketAbi.SHUT_RDWR : input ? SocketAbi.SHUT_RD : SocketAbi.SHUT_WR;
            if (state.compareAndSet(old, old | mask)) {
                int r = LibC.shutdown(Scratch.get().errno, fd, how);
                if (r < 0 && -r != Errno.ENOTCONN) {
                    throw Errors.newIOException("shutdown", -r);
                }
                if (r < 0) {
                    throw new NotYetConnectedException();
                }
                return;
            }
        }
    }

    /** Closes the fd once; the kernel drops its knotes from every kqueue. */
    public void close() throws IOException {
        for (;;) {
            int old = state.get();
            if ((old & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(old, old | CLOSED | INPUT_SHUTDOWN | OUTPUT_SHUTDOWN)) {
                int r = LibC.close(Scratch.get().errno, fd);
                if (r < 0 && -r != Errno.EINTR) {
                    throw Errors.newIOException("close", -r);
                }
                return;
            }
        }
    }

    public SocketAddress localAddress() {
        return address(true);
    }

    public SocketAddress remoteAddress() {
        return address(false);
    }

    private SocketAddress address(boolean local) {
        if (!isOpen()) {
            return null;
        }
        Scratch s = Scratch.get();
        s.len.set(JAVA_INT, 0, SocketAbi.SOCKADDR_STORAGE_SIZE);
        int r = local ? LibC.getsockname(s.errno, fd, s.addr.address(), s.len.address())
                : LibC.getpeername(s.errno, fd, s.addr.address(), s.len.address());
        if (r < 0) {
            return null;
        }
        int len = s.len.get(JAVA_INT, 0);
        return UnixSocketAddresses.isUnix(ABI, s.addr, len) ? UnixSocketAddresses.decode(ABI, s.addr, len)
                : SocketAddresses.decode(ABI, s.addr, len);
    }

    public void setInt(int level, int name, int value) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.value.set(JAVA_INT, 0, value);
        int r = LibC.setsockopt(s.errno, fd, level, name, s.value.address(), 4);
        if (r < 0) {
            throw new NativeException("setsockopt", -r, "level=" + level + ", option=" + name + ", value=" + value);
        }
    }

    public int getInt(int level, int name) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.value.set(JAVA_INT, 0, 0);
        s.len.set(JAVA_INT, 0, 4);
        int r = LibC.getsockopt(s.errno, fd, level, name, s.value.address(), s.len.address());
        if (r < 0) {
            throw new NativeException("getsockopt", -r, "level=" + level + ", option=" + name);
        }
        return s.value.get(JAVA_INT, 0);
    }

    /** SO_LINGER in seconds: -1 when off. */
    public void setLinger(int seconds) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.value.set(JAVA_INT, 0, seconds < 0 ? 0 : 1);
        s.value.set(JAVA_INT, 4, Math.max(ABI.clampLinger(seconds), 0));
        int r = LibC.setsockopt(s.errno, fd, ABI.solSocket, ABI.soLinger, s.value.address(), 8);
        if (r < 0) {
            throw new NativeException("setsockopt", -r, "SO_LINGER=" + seconds);
        }
    }

    public int getLinger() throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        s.len.set(JAVA_INT, 0, 8);
        int r = LibC.getsockopt(s.errno, fd, ABI.solSocket, ABI.soLinger, s.value.address(), s.len.address());
        if (r < 0) {
            throw new NativeException("getsockopt", -r, "SO_LINGER");
        }
        return s.value.get(JAVA_INT, 0) == 0 ? -1 : s.value.get(JAVA_INT, 4);
    }

    /** Raw option bytes, for {@code RawUnixChannelOption}. */
    public void setRaw(int level, int name, byte[] value) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        if (value.length > s.addr.byteSize()) {
            throw new IllegalArgumentException("option value too long: " + value.length);
        }
        MemorySegment.copy(value, 0, s.addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, value.length);
        int r = LibC.setsockopt(s.errno, fd, level, name, s.addr.address(), value.length);
        if (r < 0) {
            throw new NativeException("setsockopt", -r, "level=" + level + ", option=" + name);
        }
    }

    public byte[] getRaw(int level, int name, int maxLength) throws IOException {
        ensureOpen();
        Scratch s = Scratch.get();
        int cap = (int) Math.min(maxLength, s.addr.byteSize());
        s.len.set(JAVA_INT, 0, cap);
        int r = LibC.getsockopt(s.errno, fd, level, name, s.addr.address(), s.len.address());
        if (r < 0) {
            throw new NativeException("getsockopt", -r, "level=" + level + ", option=" + name);
        }
        int n = s.len.get(JAVA_INT, 0);
        byte[] out = new byte[Math.min(n, cap)];
        MemorySegment.copy(s.addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, out, 0, out.length);
        return out;
    }

    private int encode(MemorySegment m, SocketAddress a) throws IOException {
        return UnixSocketAddresses.isUnix(a) ? UnixSocketAddresses.encode(ABI, m, a)
                : SocketAddresses.encode(ABI, m, inet(a), inet6);
    }

    private static InetSocketAddress inet(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i;
        }
        throw new UnsupportedOperationException("unsupported address type: " + (a == null ? "null" : a.getClass().getName()));
    }

    @Override
    public String toString() {
        return "Socket(fd=" + fd + (isOpen() ? "" : ", closed") + ")";
    }
}
