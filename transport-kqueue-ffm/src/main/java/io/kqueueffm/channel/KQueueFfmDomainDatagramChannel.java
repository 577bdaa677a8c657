package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.socket.Socket;
import io.kqueueffm.socket.UnixSocketAddresses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.unix.DomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.StringUtil;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.NotYetConnectedException;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A Unix domain datagram socket on this transport. Reads {@link DomainDatagramPacket}s (the sender
 * is the empty path when it never bound one); writes {@link DomainDatagramPacket}s, other
 * {@link AddressedEnvelope}s of a {@link ByteBuf} to a {@link DomainSocketAddress} or the JDK's
 * {@link java.net.UnixDomainSocketAddress}, and, once connected, plain {@link ByteBuf}s. Sending to a
 * path with no socket fails that write with a {@link FileNotFoundException}, as in Netty's kqueue
 * transport; the channel goes on.
 */
public final class KQueueFfmDomainDatagramChannel extends AbstractKQueueFfmDatagramChannel
        implements DomainDatagramChannel {
    private static final String EXPECTED_TYPES = " (expected: " + StringUtil.simpleClassName(DomainDatagramPacket.class)
            + ", " + StringUtil.simpleClassName(AddressedEnvelope.class) + '<' + StringUtil.simpleClassName(ByteBuf.class)
            + ", " + StringUtil.simpleClassName(DomainSocketAddress.class) + ">, "
            + StringUtil.simpleClassName(ByteBuf.class) + ')';

    private final KQueueFfmDomainDatagramChannelConfig config;
    /** The last recipient's path bytes: replies to one peer do not encode its path again. Loop thread only. */
    private SocketAddress lastRecipient;
    private byte[] lastRecipientPath;

    public KQueueFfmDomainDatagramChannel() {
        super(Sockets.newUnix(SocketAbi.SOCK_DGRAM), false);
        config = new KQueueFfmDomainDatagramChannelConfig(this);
    }

    @Override
    public KQueueFfmDomainDatagramChannelConfig config() {
        return config;
    }

    @Override
    boolean isActiveOnRegistration() {
        return config.isActiveOnRegistration();
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return (DomainSocketAddress) super.remoteAddress();
    }

    @Override
    Object receive(ByteBuf buf, LoopBuffers b) throws IOException {
        int writerIndex = buf.writerIndex();
        int len = buf.writableBytes();
        int n = socket.receive(b.errno, address(buf, writerIndex, len), len, b.sockaddr, b.socklen);
        if (n < 0) {
            return null;
        }
        buf.writerIndex(writerIndex + n);
        DomainSocketAddress sender = isConnected() ? remoteAddress()
                : UnixSocketAddresses.decode(Socket.abi(), b.sockaddr, b.socklen.get(JAVA_INT, 0));
        return new DomainDatagramPacket(buf, localAddress(), sender);
    }

    @Override
    boolean send(Object msg, LoopBuffers b) throws IOException {
        if (msg instanceof ByteBuf data) {
            return sendBytes(data, b, 0, 0);
        }
        AddressedEnvelope<?, ?> envelope = (AddressedEnvelope<?, ?>) msg;
        ByteBuf content = (ByteBuf) envelope.content();
        SocketAddress to = envelope.recipient();
        if (to == null || isConnected()) {
            checkRecipient(to);
            return sendBytes(content, b, 0, 0);
        }
        if (!to.equals(lastRecipient)) {
            lastRecipientPath = UnixSocketAddresses.pathBytes(to);
            lastRecipient = to;
        }
        int toLen = UnixSocketAddresses.encode(Socket.abi(), b.sockaddr, lastRecipientPath);
        try {
            return sendBytes(content, b, b.sockaddr.address(), toLen);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) {
                FileNotFoundException notFound = new FileNotFoundException(
                        "no socket at " + UnixSocketAddresses.path(to) + ": " + e.getMessage());
                notFound.initCause(e);
                throw notFound;
            }
            throw e;
        }
    }

    /** Netty's and the JDK's address types name the same socket by the same path. */
    @Override
    boolean isConnectedPeer(SocketAddress to) {
        SocketAddress peer = remoteAddress();
        return peer != null && UnixSocketAddresses.path(to).equals(UnixSocketAddresses.path(peer));
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf buf) {
            if (!isConnected()) {
                throw new NotYetConnectedException();
            }
            return isSendableByAddress(buf) ? buf : newDirectBuffer(buf);
        }
        if (msg instanceof AddressedEnvelope<?, ?> e && e.content() instanceof ByteBuf content
                && (e.recipient() == null || UnixSocketAddresses.isUnix(e.recipient()))) {
            if (e.recipient() == null && !isConnected()) {
                throw new NotYetConnectedException();
            }
            checkRecipient(e.recipient());
            if (isSendableByAddress(content)) {
                return e;
            }
            ByteBuf direct = newDirectBuffer(content.retain());
            ReferenceCountUtil.safeRelease(e);
            return new DefaultAddressedEnvelope<>(direct, e.recipient());
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + EXPECTED_TYPES);
    }
}
