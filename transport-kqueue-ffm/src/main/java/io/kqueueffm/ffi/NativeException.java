package io.kqueueffm.ffi;

import io.kqueueffm.abi.Platform;

import java.io.IOException;

/**
 * A native call failed: carries the call, errno as a number and as its symbolic name on the running
 * OS, and whatever arguments help to understand it.
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno, String detail) {
        super(message(call, errno, detail));
        this.call = call;
        this.errno = errno;
    }

    private static String message(String call, int errno, String detail) {
        StringBuilder sb = new StringBuilder(call).append(" failed: ").append(errnoName(errno));
        if (detail != null && !detail.isEmpty()) {
            sb.append(" (").append(detail).append(')');
        }
        return sb.toString();
    }

    static String errnoName(int errno) {
        Platform p = Platform.current();
        return p.errno == null ? "errno " + errno : p.errno.name(errno);
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** "EBADF", "ECONNRESET"... as the running OS names the number. */
    public String errnoName() {
        return errnoName(errno);
    }
}
