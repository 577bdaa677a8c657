package io.kqueueffm.channel;

import io.kqueueffm.socket.Socket;
import io.kqueueffm.socket.SocketAddresses;
import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/** A TCP listening socket on this transport; accepts {@link KQueueFfmSocketChannel}s. */
public final class KQueueFfmServerSocketChannel extends AbstractKQueueFfmServerChannel implements ServerSocketChannel {
    private final KQueueFfmServerSocketChannelConfig config;

    /** A listening socket, IPv6 dual-stack where the host has IPv6. */
    public KQueueFfmServerSocketChannel() {
        this(Socket.isIpv6Preferred());
    }

    /** A listening socket of the given family ({@code INET} or {@code INET6}); {@code null} for the default. */
    public KQueueFfmServerSocketChannel(SocketProtocolFamily family) {
        this(family == null ? Socket.isIpv6Preferred() : Sockets.isInet6(family));
    }

    private KQueueFfmServerSocketChannel(boolean inet6) {
        super(Sockets.newStream(inet6));
        config = new KQueueFfmServerSocketChannelConfig(this);
    }

    @Override
    public KQueueFfmServerSocketChannelConfig config() {
        return config;
    }

    @Override
    int backlog() {
        return config.getBacklog();
    }

    @Override
    Channel newChild(int fd, MemorySegment addr, int addrLen) {
        InetSocketAddress remote = SocketAddresses.decode(Socket.abi(), addr, addrLen);
        return new KQueueFfmSocketChannel(this, Socket.adopt(fd, socket.isInet6()), remote);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }
}
