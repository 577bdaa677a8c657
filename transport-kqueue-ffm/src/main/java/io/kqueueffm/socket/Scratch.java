package io.kqueueffm.socket;

import io.kqueueffm.ffi.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native scratch for socket calls made outside an event loop's hot path (options,
 * addresses, accept): a sockaddr buffer, a socklen_t, an int value and the errno capture segment.
 * Allocated once per thread, freed with it.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    final MemorySegment addr;
    final MemorySegment len;
    final MemorySegment value;
    final MemorySegment errno;

    private Scratch() {
        Arena arena = Arena.ofAuto();
        // Large enough for a struct group_source_req (264 bytes on Linux and FreeBSD).
        addr = arena.allocate(512, 8);
        len = arena.allocate(8, 8);
        value = arena.allocate(16, 8);
        errno = Errno.allocate(arena);
    }

    static Scratch get() {
        return PER_THREAD.get();
    }
}
