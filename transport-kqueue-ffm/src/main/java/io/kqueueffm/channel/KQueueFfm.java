package io.kqueueffm.channel;

import io.kqueueffm.abi.Platform;
import io.kqueueffm.event.Kqueue;
import io.kqueueffm.ffi.NativeLibrary;

/**
 * Whether this transport can run here, in the manner of Netty's {@code KQueue}/{@code Epoll}: on
 * macOS and FreeBSD through libc, on Linux through the kqueue emulation when it is on the class path.
 */
public final class KQueueFfm {
    private KQueueFfm() {
    }

    public static boolean isAvailable() {
        return Kqueue.isAvailable();
    }

    public static Throwable unavailabilityCause() {
        return Kqueue.unavailabilityCause();
    }

    public static void ensureAvailability() {
        Kqueue.ensureAvailability();
    }

    /** Where kqueue comes from, e.g. "libc (darwin-kevent64)". */
    public static String describe() {
        return Platform.current() + ", " + NativeLibrary.description();
    }
}
