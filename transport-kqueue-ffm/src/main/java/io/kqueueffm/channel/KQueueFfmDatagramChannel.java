package io.kqueueffm.channel;

import io.kqueueffm.socket.InetSockaddrCache;
import io.kqueueffm.socket.Multicast;
import io.kqueueffm.socket.Socket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.StringUtil;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A UDP socket on this transport: unicast, broadcast and multicast (any-source and source-specific,
 * IPv4 and IPv6), connected or not. Reads {@link DatagramPacket}s; writes {@link DatagramPacket}s,
 * other {@link AddressedEnvelope}s of a {@link ByteBuf}, and, once connected, plain {@link ByteBuf}s.
 * Empty datagrams are sent and received as such.
 */
public final class KQueueFfmDatagramChannel extends AbstractKQueueFfmDatagramChannel implements DatagramChannel {
    private static final String EXPECTED_TYPES = " (expected: " + StringUtil.simpleClassName(DatagramPacket.class)
            + ", " + StringUtil.simpleClassName(AddressedEnvelope.class) + '<'
            + StringUtil.simpleClassName(ByteBuf.class) + ", " + StringUtil.simpleClassName(InetSocketAddress.class)
            + ">, " + StringUtil.simpleClassName(ByteBuf.class) + ')';

    private final KQueueFfmDatagramChannelConfig config;
    private final InetSockaddrCache peers = new InetSockaddrCache();

    /** A UDP socket, IPv6 dual-stack where the host has IPv6. */
    public KQueueFfmDatagramChannel() {
        this(Socket.isIpv6Preferred());
    }

    /** A UDP socket of the given family ({@code INET} or {@code INET6}); {@code null} for the default. */
    public KQueueFfmDatagramChannel(SocketProtocolFamily family) {
        this(family == null ? Socket.isIpv6Preferred() : Sockets.isInet6(family));
    }

    /** As {@link #KQueueFfmDatagramChannel(SocketProtocolFamily)}, for code written against Netty 4.1. */
    @Deprecated
    public KQueueFfmDatagramChannel(InternetProtocolFamily family) {
        this(family == null ? null : family.toSocketProtocolFamily());
    }

    private KQueueFfmDatagramChannel(boolean inet6) {
        super(Sockets.newDatagram(inet6), false);
        config = new KQueueFfmDatagramChannelConfig(this);
    }

    @Override
    public KQueueFfmDatagramChannelConfig config() {
        return config;
    }

    @Override
    boolean isActiveOnRegistration() {
        return config.isActiveOnRegistration();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    // ---- reading and writing ----

    @Override
    Object receive(ByteBuf buf, LoopBuffers b) throws IOException {
        int writerIndex = buf.writerIndex();
        int len = buf.writableBytes();
        long addr = address(buf, writerIndex, len);
        if (isConnected()) {
            int n = socket.receive(b.errno, addr, len, null, null);
            if (n < 0) {
                return null;
            }
            buf.writerIndex(writerIndex + n);
            return new DatagramPacket(buf, localAddress(), remoteAddress());
        }
        int n = socket.receive(b.errno, addr, len, b.sockaddr, b.socklen);
        if (n < 0) {
            return null;
        }
        buf.writerIndex(writerIndex + n);
        InetSocketAddress sender = peers.decode(Socket.abi(), b.sockaddr, b.socklen.get(JAVA_INT, 0));
        return new DatagramPacket(buf, localAddress(), sender);
    }

    @Override
    boolean send(Object msg, LoopBuffers b) throws IOException {
        if (msg instanceof ByteBuf data) {
            return sendBytes(data, b, 0, 0);
        }
        @SuppressWarnings("unchecked")
        AddressedEnvelope<ByteBuf, InetSocketAddress> envelope = (AddressedEnvelope<ByteBuf, InetSocketAddress>) msg;
        InetSocketAddress to = envelope.recipient();
        if (to == null || isConnected()) {
            checkRecipient(to);
            return sendBytes(envelope.content(), b, 0, 0);
        }
        int toLen = peers.encode(Socket.abi(), b.sockaddr, to, socket.isInet6());
        return sendBytes(envelope.content(), b, b.sockaddr.address(), toLen);
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof DatagramPacket packet) {
            InetSocketAddress to = checkInetRecipient(packet.recipient());
            ByteBuf content = packet.content();
            return isSendableByAddress(content) ? msg : new DatagramPacket(newDirectBuffer(packet, content), to);
        }
        if (msg instanceof ByteBuf buf) {
            if (!isConnected()) {
                throw new NotYetConnectedException();
            }
            return isSendableByAddress(buf) ? buf : newDirectBuffer(buf);
        }
        if (msg instanceof AddressedEnvelope<?, ?> e && e.content() instanceof ByteBuf content
                && (e.recipient() == null || e.recipient() instanceof InetSocketAddress)) {
            InetSocketAddress to = checkInetRecipient((InetSocketAddress) e.recipient());
            if (to == null && !isConnected()) {
                throw new NotYetConnectedException();
            }
            return isSendableByAddress(content) ? e
                    : new DefaultAddressedEnvelope<>(newDirectBuffer(e, content), to);
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + EXPECTED_TYPES);
    }

    /**
     * Fails early what {@link #send} would refuse: an unresolved name, an IPv6 destination on an IPv4
     * socket, another destination than the connected peer.
     */
    private InetSocketAddress checkInetRecipient(InetSocketAddress to) {
        if (to == null) {
            return null;
        }
        if (to.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        if (!socket.isInet6() && to.getAddress() instanceof Inet6Address) {
            throw new UnsupportedAddressTypeException();
        }
        checkRecipient(to);
        return to;
    }

    @Override
    boolean isConnectedPeer(SocketAddress to) {
        return to.equals(remoteAddress());
    }

    /** A direct copy of {@code content} for a heap or oversized composite payload; {@code holder} is released. */
    private ByteBuf newDirectBuffer(Object holder, ByteBuf content) {
        ByteBuf direct = newDirectBuffer(content.retain());
        ReferenceCountUtil.safeRelease(holder);
        return direct;
    }

    // ---- multicast ----

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress) {
        return joinGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.Change.JOIN, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return joinGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                   ChannelPromise promise) {
        return joinGroup(multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source) {
        return joinGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source, ChannelPromise promise) {
        ObjectUtil.checkNotNull(networkInterface, "networkInterface");
        return membership(Multicast.Change.JOIN, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress) {
        return leaveGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.Change.LEAVE, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return leaveGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                    ChannelPromise promise) {
        return leaveGroup(multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source) {
        return leaveGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source, ChannelPromise promise) {
        ObjectUtil.checkNotNull(networkInterface, "networkInterface");
        return membership(Multicast.Change.LEAVE, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock) {
        return block(multicastAddress, networkInterface, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock, ChannelPromise promise) {
        ObjectUtil.checkNotNull(networkInterface, "networkInterface");
        ObjectUtil.checkNotNull(sourceToBlock, "sourceToBlock");
        return membership(Multicast.Change.BLOCK, multicastAddress, networkInterface, sourceToBlock, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
        return block(multicastAddress, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise promise) {
        ObjectUtil.checkNotNull(sourceToBlock, "sourceToBlock");
        return membership(Multicast.Change.BLOCK, multicastAddress, null, sourceToBlock, promise);
    }

    /**
     * Changes a membership on the loop (socket options of a registered channel are its loop's
     * business); without an interface, the configured IP_MULTICAST_IF, else the bound address's.
     */
    private ChannelFuture membership(Multicast.Change change, InetAddress group, NetworkInterface iface,
                                     InetAddress source, ChannelPromise promise) {
        ObjectUtil.checkNotNull(group, "multicastAddress");
        EventLoop loop = isRegistered() ? eventLoop() : null;
        if (loop != null && !loop.inEventLoop()) {
            loop.execute(() -> membership(change, group, iface, source, promise));
            return promise;
        }
        try {
            NetworkInterface ni = iface != null ? iface : defaultInterface();
            Multicast.membership(socket, change, group, ni, source);
            promise.setSuccess();
        } catch (Throwable t) {
            promise.setFailure(t);
        }
        return promise;
    }

    private NetworkInterface defaultInterface() throws IOException {
        NetworkInterface ni = Multicast.getNetworkInterface(socket);
        if (ni != null) {
            return ni;
        }
        InetSocketAddress local = localAddress();
        if (local != null) {
            ni = NetworkInterface.getByInetAddress(local.getAddress());
        }
        if (ni == null) {
            throw new SocketException("no interface given, none set with IP_MULTICAST_IF, and the channel is not"
                    + " bound to an interface's address");
        }
        return ni;
    }

}
