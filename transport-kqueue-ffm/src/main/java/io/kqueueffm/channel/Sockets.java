package io.kqueueffm.channel;

import io.kqueueffm.socket.Socket;
import io.netty.channel.ChannelException;
import io.netty.channel.socket.SocketProtocolFamily;

import java.io.IOException;

/** New sockets for the channels' constructors: availability checked, failures as {@link ChannelException}. */
final class Sockets {
    private Sockets() {
    }

    static boolean isInet6(SocketProtocolFamily family) {
        return switch (family) {
            case INET -> false;
            case INET6 -> true;
            case UNIX -> throw new IllegalArgumentException("not an internet protocol family: " + family);
        };
    }

    static Socket newDatagram(boolean inet6) {
        KQueueFfm.ensureAvailability();
        try {
            return Socket.newDatagramSocket(inet6);
        } catch (IOException e) {
            throw new ChannelException("cannot create a datagram socket: " + e.getMessage(), e);
        }
    }

    static Socket newStream(boolean inet6) {
        KQueueFfm.ensureAvailability();
        try {
            return Socket.newStreamSocket(inet6);
        } catch (IOException e) {
            throw new ChannelException("cannot create a socket: " + e.getMessage(), e);
        }
    }

    /** A Unix domain socket of {@code type} (SOCK_STREAM or SOCK_DGRAM). */
    static Socket newUnix(int type) {
        KQueueFfm.ensureAvailability();
        try {
            return Socket.newUnixSocket(type);
        } catch (IOException e) {
            throw new ChannelException("cannot create a Unix domain socket: " + e.getMessage(), e);
        }
    }
}
