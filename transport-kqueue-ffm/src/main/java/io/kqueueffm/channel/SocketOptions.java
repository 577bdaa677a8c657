package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.socket.Socket;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Socket options as channel configs need them: each failure becomes a {@link ChannelException}
 * naming the option and the value, and leaves the socket as it was.
 */
final class SocketOptions {
    static final SocketAbi ABI = Socket.abi();

    private SocketOptions() {
    }

    static void setInt(Socket s, String name, int level, int option, int value) {
        if (!SocketAbi.has(option)) {
            throw new ChannelException(name + " is not supported on " + ABI);
        }
        try {
            s.setInt(level, option, value);
        } catch (IOException e) {
            throw new ChannelException("cannot set " + name + " to " + value + ": " + e.getMessage(), e);
        }
    }

    static int getInt(Socket s, String name, int level, int option) {
        if (!SocketAbi.has(option)) {
            throw new ChannelException(name + " is not supported on " + ABI);
        }
        try {
            return s.getInt(level, option);
        } catch (IOException e) {
            throw new ChannelException("cannot get " + name + ": " + e.getMessage(), e);
        }
    }

    static void setBool(Socket s, String name, int level, int option, boolean value) {
        setInt(s, name, level, option, value ? 1 : 0);
    }

    static boolean getBool(Socket s, String name, int level, int option) {
        return getInt(s, name, level, option) != 0;
    }

    static int getReceiveBufferSize(Socket s) {
        return getInt(s, "SO_RCVBUF", ABI.solSocket, ABI.soRcvbuf);
    }

    static void setReceiveBufferSize(Socket s, int size) {
        setInt(s, "SO_RCVBUF", ABI.solSocket, ABI.soRcvbuf, checkNonNegative("SO_RCVBUF", size));
    }

    static int getSendBufferSize(Socket s) {
        return getInt(s, "SO_SNDBUF", ABI.solSocket, ABI.soSndbuf);
    }

    static void setSendBufferSize(Socket s, int size) {
        setInt(s, "SO_SNDBUF", ABI.solSocket, ABI.soSndbuf, checkNonNegative("SO_SNDBUF", size));
    }

    static int checkNonNegative(String name, int value) {
        if (value < 0) {
            throw new ChannelException(name + " must be >= 0: " + value);
        }
        return value;
    }

    /** IP_TOS: IPV6_TCLASS on a dual-stack socket. */
    static int getTrafficClass(Socket s) {
        return s.isInet6() ? getInt(s, "IPV6_TCLASS", SocketAbi.IPPROTO_IPV6, ABI.ipv6Tclass)
                : getInt(s, "IP_TOS", SocketAbi.IPPROTO_IP, ABI.ipTos);
    }

    static void setTrafficClass(Socket s, int trafficClass) {
        if (trafficClass < 0 || trafficClass > 255) {
            throw new ChannelException("IP_TOS must be within 0..255: " + trafficClass);
        }
        if (!s.isInet6()) {
            setInt(s, "IP_TOS", SocketAbi.IPPROTO_IP, ABI.ipTos, trafficClass);
            return;
        }
        setInt(s, "IPV6_TCLASS", SocketAbi.IPPROTO_IPV6, ABI.ipv6Tclass, trafficClass);
        // For IPv4 peers of a dual-stack socket where the kernel takes it (Linux); the BSDs refuse
        // IPPROTO_IP options on AF_INET6 sockets and use IPV6_TCLASS for mapped traffic.
        try {
            s.setInt(SocketAbi.IPPROTO_IP, ABI.ipTos, trafficClass);
        } catch (IOException ignore) {
            // best effort
        }
    }

    /** {@link IntegerUnixChannelOption} / {@link RawUnixChannelOption}: true if {@code option} was one. */
    static boolean setGeneric(Socket s, ChannelOption<?> option, Object value) {
        try {
            if (option instanceof IntegerUnixChannelOption o) {
                s.setInt(o.level(), o.optname(), (Integer) value);
                return true;
            }
            if (option instanceof RawUnixChannelOption o) {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                s.setRaw(o.level(), o.optname(), bytes);
                return true;
            }
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a value longer than the socket layer's option buffer.
            throw new ChannelException("cannot set " + option + " to " + value + ": " + e.getMessage(), e);
        }
        return false;
    }

    /** The value of a generic option, or null if {@code option} is not one. */
    @SuppressWarnings("unchecked")
    static <T> T getGeneric(Socket s, ChannelOption<T> option) {
        try {
            if (option instanceof IntegerUnixChannelOption o) {
                return (T) Integer.valueOf(s.getInt(o.level(), o.optname()));
            }
            if (option instanceof RawUnixChannelOption o) {
                return (T) ByteBuffer.wrap(s.getRaw(o.level(), o.optname(), o.length()));
            }
        } catch (IOException e) {
            throw new ChannelException("cannot get " + option + ": " + e.getMessage(), e);
        }
        return null;
    }
}
