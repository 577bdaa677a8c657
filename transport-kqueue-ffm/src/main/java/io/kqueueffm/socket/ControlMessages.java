package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.ffi.NativeException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * File descriptors over a Unix domain socket (SCM_RIGHTS): one msghdr, a small data buffer and a
 * control buffer, owned by an event loop and reused for every message. cmsg headers, their alignment
 * and the msghdr's field widths come from the OS's {@link SocketAbi} (abi.md 4.2, 4.3).
 *
 * <p>Descriptors go out with a one-byte payload, because a stream socket carries control data only
 * along with data. They come in close-on-exec (MSG_CMSG_CLOEXEC where the OS has it, else FD_CLOEXEC
 * right after). A message carrying more than {@link #MAX_FDS} descriptors comes back with
 * {@link #truncated()} set: the kernel closed the ones that did not fit, and the caller must say so.
 */
public final class ControlMessages implements AutoCloseable {
    /** Descriptors one received message can carry here; more are reported as truncation. */
    public static final int MAX_FDS = 64;
    private static final int DATA_SIZE = 64;

    private final SocketAbi abi;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment msghdr;
    private final MemorySegment iov;
    private final MemorySegment data;
    private final MemorySegment control;
    private final int recvFlags;
    private final int[] fds = new int[MAX_FDS];
    private int fdCount;
    private boolean truncated;

    public ControlMessages(SocketAbi abi) {
        this.abi = abi;
        msghdr = arena.allocate(abi.msghdrSize, 8);
        iov = arena.allocate(SocketAbi.IOVEC_SIZE, 8);
        data = arena.allocate(DATA_SIZE, 8);
        control = arena.allocate(abi.cmsgSpace(4 * MAX_FDS), 8);
        recvFlags = SocketAbi.has(abi.msgCmsgCloexec) ? abi.msgCmsgCloexec : 0;
        iov.set(JAVA_LONG, 0, data.address());
        msghdr.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_IOV, iov.address());
        setSize(SocketAbi.MSGHDR_OFF_IOVLEN, 1);
        msghdr.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_CONTROL, control.address());
    }

    /** msg_iovlen and msg_controllen: int/socklen_t on the BSDs, size_t on Linux. */
    private void setSize(long offset, long value) {
        if (abi.msgIovlenSize == 8) {
            msghdr.set(JAVA_LONG, offset, value);
        } else {
            msghdr.set(JAVA_INT, offset, (int) value);
        }
    }

    private long getSize(long offset) {
        return abi.msgIovlenSize == 8 ? msghdr.get(JAVA_LONG, offset) : msghdr.get(JAVA_INT, offset) & 0xFFFFFFFFL;
    }

    private void setCmsgLen(long offset, long value) {
        if (abi.cmsgLenSize == 8) {
            control.set(JAVA_LONG, offset, value);
        } else {
            control.set(JAVA_INT, offset, (int) value);
        }
    }

    private long cmsgLen(long offset) {
        return abi.cmsgLenSize == 8 ? control.get(JAVA_LONG, offset) : control.get(JAVA_INT, offset) & 0xFFFFFFFFL;
    }

    /**
     * Sends {@code fd} in one message on {@code socket}. Returns false if the send buffer is full.
     *
     * @throws IOException naming the descriptor if the kernel refuses it (e.g. it is not open)
     */
    public boolean sendFd(MemorySegment errno, Socket socket, int fd) throws IOException {
        fds[0] = fd;
        return sendFds(errno, socket, fds, 1);
    }

    /** Sends the first {@code count} (1 to {@link #MAX_FDS}) of {@code toSend} in one message. */
    public boolean sendFds(MemorySegment errno, Socket socket, int[] toSend, int count) throws IOException {
        if (count < 1 || count > MAX_FDS) {
            throw new IllegalArgumentException("1 to " + MAX_FDS + " descriptors per message: " + count);
        }
        int dataLen = 4 * count;
        setCmsgLen(0, abi.cmsgLen(dataLen));
        control.set(JAVA_INT, abi.cmsgLenSize, abi.solSocket);
        control.set(JAVA_INT, abi.cmsgLenSize + 4, SocketAbi.SCM_RIGHTS);
        for (int i = 0; i < count; i++) {
            control.set(JAVA_INT, abi.cmsghdrSize + 4L * i, toSend[i]);
        }
        data.set(JAVA_BYTE, 0, (byte) 0);
        iov.set(JAVA_LONG, 8, 1);
        msghdr.set(JAVA_LONG, 0, 0);
        msghdr.set(JAVA_INT, 8, 0);
        setSize(SocketAbi.MSGHDR_OFF_CONTROLLEN, abi.cmsgSpace(dataLen));
        msghdr.set(JAVA_INT, abi.msghdrOffFlags, 0);
        long r = LibC.sendmsg(errno, socket.fd(), msghdr.address(), Socket.SEND_FLAGS);
        if (r >= 0) {
            return true;
        }
        int e = (int) -r;
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return false;
        }
        if (e == Errno.EBADF && socket.isOpen()) {
            throw new NativeException("sendmsg(SCM_RIGHTS)", e, "a descriptor to pass is not open: " + fdList(toSend, count));
        }
        throw Errors.newIOException("sendmsg(SCM_RIGHTS)", e);
    }

    private static String fdList(int[] a, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ", ").append(a[i]);
        }
        return sb.toString();
    }

    /**
     * Receives one message on {@code socket}: the data bytes read (discarded), 0 if nothing was
     * waiting, -1 at end of stream. The descriptors it carried are {@link #fd}(0 ..
     * {@link #fdCount()}-1) and now belong to the caller, who must deliver or close every one.
     */
    public int receive(MemorySegment errno, Socket socket) throws IOException {
        fdCount = 0;
        truncated = false;
        iov.set(JAVA_LONG, 8, DATA_SIZE);
        msghdr.set(JAVA_LONG, 0, 0);
        msghdr.set(JAVA_INT, 8, 0);
        setSize(SocketAbi.MSGHDR_OFF_CONTROLLEN, control.byteSize());
        msghdr.set(JAVA_INT, abi.msghdrOffFlags, 0);
        long r = LibC.recvmsg(errno, socket.fd(), msghdr.address(), recvFlags);
        if (r < 0) {
            int e = (int) -r;
            if (e == Errno.EAGAIN || e == Errno.EINTR) {
                return 0;
            }
            throw Errors.newIOException("recvmsg", e);
        }
        parse(getSize(SocketAbi.MSGHDR_OFF_CONTROLLEN));
        truncated = (msghdr.get(JAVA_INT, abi.msghdrOffFlags) & abi.msgCtrunc) != 0;
        return r == 0 ? (fdCount > 0 ? 1 : -1) : (int) r;
    }

    /** Collects SCM_RIGHTS descriptors from {@code controlLen} bytes of control data. */
    private void parse(long controlLen) throws IOException {
        long limit = Math.min(controlLen, control.byteSize());
        long off = 0;
        while (off + abi.cmsghdrSize <= limit) {
            long len = cmsgLen(off);
            if (len < abi.cmsghdrSize || off + len > limit) {
                break;
            }
            int level = control.get(JAVA_INT, off + abi.cmsgLenSize);
            int type = control.get(JAVA_INT, off + abi.cmsgLenSize + 4);
            if (level == abi.solSocket && type == SocketAbi.SCM_RIGHTS) {
                int n = (int) ((len - abi.cmsghdrSize) / 4);
                for (int i = 0; i < n && fdCount < MAX_FDS; i++) {
                    fds[fdCount++] = control.get(JAVA_INT, off + abi.cmsghdrSize + 4L * i);
                }
            }
            off += abi.cmsgAlign((int) len);
        }
        if (recvFlags == 0) {
            for (int i = 0; i < fdCount; i++) {
                LibC.fcntl(Errno.threadSegment(), fds[i], abi.fSetfd, abi.fdCloexec);
            }
        }
    }

    public int fdCount() {
        return fdCount;
    }

    public int fd(int index) {
        if (index >= fdCount) {
            throw new IndexOutOfBoundsException(index);
        }
        return fds[index];
    }

    /** Whether the last message had more control data than fit (MSG_CTRUNC): descriptors were lost. */
    public boolean truncated() {
        return truncated;
    }

    /** Closes received descriptors {@code from} .. {@link #fdCount()}-1 that could not be delivered. */
    public void closeFrom(int from) {
        for (int i = from; i < fdCount; i++) {
            closeDescriptor(fds[i]);
        }
        fdCount = Math.min(fdCount, from);
    }

    /** close(2) on a descriptor this transport does not otherwise own; errors but EINTR are returned as -errno. */
    public static int closeDescriptor(int fd) {
        int r = LibC.close(Errno.threadSegment(), fd);
        return r < 0 && -r == Errno.EINTR ? 0 : r;
    }

    @Override
    public void close() {
        arena.close();
    }
}
