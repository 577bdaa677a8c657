package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A reusable native iovec array (up to IOV_MAX entries) plus the msghdr that points at it, for
 * gathering writes. One per event loop; filled, written, cleared, never reallocated.
 */
public final class IovArray implements AutoCloseable {
    private final SocketAbi abi;
    private final Arena arena;
    private final MemorySegment iov;
    private final MemorySegment msghdr;
    private final int capacity;
    private int count;
    private long size;
    private long maxBytes = Long.MAX_VALUE;

    public IovArray(SocketAbi abi) {
        this.abi = abi;
        this.capacity = abi.iovMax;
        this.arena = Arena.ofShared();
        this.iov = arena.allocate((long) SocketAbi.IOVEC_SIZE * capacity, 8);
        this.msghdr = arena.allocate(abi.msghdrSize, 8);
        msghdr.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_IOV, iov.address());
    }

    public void clear() {
        count = 0;
        size = 0;
    }

    public void maxBytes(long maxBytes) {
        this.maxBytes = Math.min(maxBytes, Long.MAX_VALUE);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Adds {@code len} bytes at native address {@code addr}. Returns false, adding nothing, when the
     * array is full or the bytes would pass {@link #maxBytes} (except for the first entry, which is
     * always taken, trimmed to maxBytes, so that a write always makes progress).
     */
    public boolean add(long addr, int len) {
        if (count == capacity) {
            return false;
        }
        if (len == 0) {
            return true;
        }
        long room = maxBytes - size;
        if (len > room) {
            if (count > 0 || room <= 0) {
                return false;
            }
            len = (int) room;
        }
        long off = (long) SocketAbi.IOVEC_SIZE * count;
        iov.set(JAVA_LONG, off, addr);
        iov.set(JAVA_LONG, off + 8, len);
        count++;
        size += len;
        return true;
    }

    public int count() {
        return count;
    }

    /** Total bytes in the array. */
    public long size() {
        return size;
    }

    public boolean isFull() {
        return count == capacity || size >= maxBytes;
    }

    public long address() {
        return iov.address();
    }

    /** The msghdr for sendmsg(2) on a connected socket, its iovec count set to {@link #count}. */
    long msghdr() {
        return msghdr(0, 0);
    }

    /** The msghdr for sendmsg(2) to the sockaddr of {@code nameLen} bytes at {@code name} (0 for none). */
    long msghdr(long name, int nameLen) {
        msghdr.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_NAME, name);
        msghdr.set(JAVA_INT, SocketAbi.MSGHDR_OFF_NAMELEN, nameLen);
        if (abi.msgIovlenSize == 8) {
            msghdr.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_IOVLEN, count);
        } else {
            msghdr.set(JAVA_INT, SocketAbi.MSGHDR_OFF_IOVLEN, count);
        }
        return msghdr.address();
    }

    @Override
    public void close() {
        arena.close();
    }
}
