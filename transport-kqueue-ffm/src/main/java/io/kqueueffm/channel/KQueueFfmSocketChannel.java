package io.kqueueffm.channel;

import io.kqueueffm.socket.Socket;
import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

import java.net.InetSocketAddress;

/** A TCP connection on this transport. */
public final class KQueueFfmSocketChannel extends AbstractKQueueFfmStreamChannel implements SocketChannel {
    private final KQueueFfmSocketChannelConfig config;

    /** A client socket, IPv6 dual-stack where the host has IPv6. */
    public KQueueFfmSocketChannel() {
        this(Socket.isIpv6Preferred());
    }

    /** A client socket of the given family ({@code INET} or {@code INET6}); {@code null} for the default. */
    public KQueueFfmSocketChannel(SocketProtocolFamily family) {
        this(family == null ? Socket.isIpv6Preferred() : Sockets.isInet6(family));
    }

    private KQueueFfmSocketChannel(boolean inet6) {
        super(null, Sockets.newStream(inet6), false);
        config = new KQueueFfmSocketChannelConfig(this);
    }

    KQueueFfmSocketChannel(Channel parent, Socket socket, InetSocketAddress remote) {
        super(parent, socket, remote);
        config = new KQueueFfmSocketChannelConfig(this);
    }

    @Override
    public KQueueFfmSocketChannelConfig config() {
        return config;
    }

    @Override
    boolean lingers() {
        return config.isLingerSet();
    }

    @Override
    public ServerSocketChannel parent() {
        return (ServerSocketChannel) super.parent();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }
}
