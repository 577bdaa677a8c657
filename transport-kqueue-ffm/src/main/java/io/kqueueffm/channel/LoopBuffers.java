package io.kqueueffm.channel;

import io.kqueueffm.ffi.Errno;
import io.kqueueffm.socket.ControlMessages;
import io.kqueueffm.socket.IovArray;
import io.kqueueffm.socket.Socket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native memory owned by one event loop and lent to its channels while they run on it: the iovec
 * array for gathering writes, the errno capture segment for I/O calls, a sockaddr buffer for
 * accept, and the msghdr and control buffer for passing file descriptors. Freed when the loop is
 * destroyed.
 */
public final class LoopBuffers implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final IovArray iov = new IovArray(Socket.abi());
    final MemorySegment errno = Errno.allocate(arena);
    final MemorySegment sockaddr = arena.allocate(256, 8);
    final MemorySegment socklen = arena.allocate(8, 8);
    /** sendfile's off_t out-parameter. */
    final MemorySegment sendfileCount = arena.allocate(8, 8);
    final ControlMessages control = new ControlMessages(Socket.abi());

    /** The iovec array, emptied. */
    public IovArray cleanIovArray() {
        iov.clear();
        return iov;
    }

    public MemorySegment errno() {
        return errno;
    }

    @Override
    public void close() {
        iov.close();
        control.close();
        arena.close();
    }
}
