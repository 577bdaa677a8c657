package io.kqueueffm.channel;

import io.kqueueffm.ffi.LibC;
import io.netty.channel.DefaultFileRegion;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What sendfile needs from a {@link DefaultFileRegion} and Netty does not publish: the file's path
 * (the JDK gives no fd for a FileChannel, so the file is opened again by path) and the transferred
 * count, which has to move with the bytes sendfile sent. Netty's own native transports reach the
 * same fields from C. Where they cannot be reached (Netty as a closed module), regions are copied.
 */
final class DefaultFileRegions {
    private static final VarHandle FILE;
    private static final VarHandle TRANSFERRED;

    static {
        VarHandle file = null;
        VarHandle transferred = null;
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(DefaultFileRegion.class, MethodHandles.lookup());
            file = l.findVarHandle(DefaultFileRegion.class, "f", File.class);
            transferred = l.findVarHandle(DefaultFileRegion.class, "transferred", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            file = null;
            transferred = null;
        }
        // Without sendfile in the C library (never on Darwin or FreeBSD 12+), regions are copied.
        FILE = LibC.has("sendfile") ? file : null;
        TRANSFERRED = transferred;
    }

    private DefaultFileRegions() {
    }

    /**
     * The region's file, when it was made from one, nobody has opened it yet, and sendfile can
     * account for it; else null. An opened region holds its own FileChannel, and the path may since
     * name another file or none: such a region is copied from that channel, as NIO and epoll do.
     */
    static File sendableFile(DefaultFileRegion region) {
        return FILE == null || region.isOpen() ? null : (File) FILE.get(region);
    }

    static void addTransferred(DefaultFileRegion region, long bytes) {
        TRANSFERRED.set(region, (long) TRANSFERRED.get(region) + bytes);
    }
}
