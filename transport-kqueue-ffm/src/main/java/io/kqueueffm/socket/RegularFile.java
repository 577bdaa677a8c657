package io.kqueueffm.socket;

import io.kqueueffm.ffi.LibC;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A file opened read-only for sendfile, by path: the JDK gives no fd for a FileChannel. */
public final class RegularFile implements AutoCloseable {
    private final int fd;
    private boolean closed;

    private RegularFile(int fd) {
        this.fd = fd;
    }

    public static RegularFile open(File file) throws IOException {
        Scratch s = Scratch.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(file.getPath());
            fd = LibC.open(s.errno, path.address(), Socket.abi().oCloexec);
        }
        if (fd < 0) {
            throw new IOException("open failed: " + Errors.describe(-fd) + ": " + file,
                    Errors.newIOException("open", -fd));
        }
        return new RegularFile(fd);
    }

    public int fd() {
        return fd;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            int r = LibC.close(Scratch.get().errno, fd);
            if (r < 0) {
                throw Errors.newIOException("close", -r);
            }
        }
    }
}
