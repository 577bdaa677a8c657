package io.kqueueffm.socket;

import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;

/**
 * errno to the exceptions Netty users already catch. Messages carry the call, the symbolic errno and
 * its usual text ("Connection reset by peer"), so a log line says what happened without a man page.
 */
public final class Errors {
    private Errors() {
    }

    /** strerror's wording of {@code errno}, from the running OS's table. */
    public static String describe(int errno) {
        return Errno.message(errno);
    }

    /** A failed socket call as an IOException (a {@link NativeException} carrying errno). */
    public static IOException newIOException(String call, int errno) {
        if (errno == Errno.EBADF) {
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(new NativeException(call, errno, describe(errno)));
            return closed;
        }
        return new NativeException(call, errno, describe(errno));
    }

    /**
     * A failed datagram call. ECONNREFUSED is the ICMP port-unreachable answer a connected datagram
     * socket reports at its next send or receive: {@link PortUnreachableException}, as the JDK and
     * Netty's transports give it.
     */
    public static IOException newDatagramException(String call, int errno) {
        if (errno == Errno.ECONNREFUSED) {
            PortUnreachableException e = new PortUnreachableException(
                    call + " failed: " + Errno.name(errno) + " (" + describe(errno) + ")");
            e.initCause(new NativeException(call, errno, describe(errno)));
            return e;
        }
        return newIOException(call, errno);
    }

    /** A failed connect: the JDK's exception type for the cause, with the address in the message. */
    public static IOException newConnectException(String call, int errno, SocketAddress remote) {
        String msg = call + " failed: " + Errno.name(errno) + " (" + describe(errno) + "): " + remote;
        IOException e;
        if (errno == Errno.EHOSTUNREACH || errno == Errno.ENETUNREACH) {
            e = new NoRouteToHostException(msg);
        } else if (errno == Errno.ECONNREFUSED || errno == Errno.ETIMEDOUT) {
            e = new ConnectException(msg);
        } else if (errno == Errno.EADDRNOTAVAIL || errno == Errno.EADDRINUSE) {
            e = new BindException(msg);
        } else if (errno == Errno.EBADF) {
            e = new ClosedChannelException();
        } else if (errno == Errno.ENOENT) {
            // A Unix domain socket path with no socket file: the type Netty's native transports use.
            e = new FileNotFoundException(msg);
        } else {
            e = new ConnectException(msg);
        }
        if (e.getCause() == null) {
            e.initCause(new NativeException(call, errno, describe(errno)));
        }
        return e;
    }

    public static IOException newBindException(int errno, SocketAddress local) {
        BindException e = new BindException("bind failed: " + Errno.name(errno) + " (" + describe(errno) + "): " + local);
        e.initCause(new NativeException("bind", errno, describe(errno)));
        return e;
    }
}
