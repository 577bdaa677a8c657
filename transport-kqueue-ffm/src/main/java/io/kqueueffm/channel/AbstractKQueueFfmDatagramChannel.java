package io.kqueueffm.channel;

import io.kqueueffm.socket.IovArray;
import io.kqueueffm.socket.Socket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.unix.PreferredDirectByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.ByteBuffer;

/**
 * A datagram socket on this transport (UDP, or a Unix domain datagram socket): several datagrams
 * per loop turn in each direction, each read into (or written from) a direct buffer by address.
 * Subclasses say how a datagram is received (with its sender) and sent (to its recipient).
 *
 * <p>A datagram that cannot be sent (the peer's port is closed, a recipient is unreachable) fails
 * its own write promise and the channel goes on with the next one: a datagram socket talks to
 * many peers, one of them failing says nothing about the others.
 */
public abstract class AbstractKQueueFfmDatagramChannel extends AbstractKQueueFfmChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(true, 16);

    private volatile boolean connected;

    AbstractKQueueFfmDatagramChannel(Socket socket, boolean active) {
        super(null, socket, active);
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /** DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: active once registered, before bind or connect. */
    abstract boolean isActiveOnRegistration();

    @Override
    public boolean isActive() {
        return socket.isOpen() && (active || isActiveOnRegistration() && isRegistered());
    }

    /** Whether the socket is connected to one peer (connect(2) on a datagram socket). */
    public boolean isConnected() {
        return connected;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        active = true;
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress)
            throws Exception {
        boolean done = super.doConnect(remoteAddress, localAddress);
        // A datagram connect completes at once: it only records the peer.
        connected = done;
        return done;
    }

    @Override
    protected void doDisconnect() throws Exception {
        socket.disconnect();
        connected = false;
        disconnected();
    }

    @Override
    protected void doClose() throws Exception {
        super.doClose();
        connected = false;
    }

    /**
     * Receives one datagram into {@code buf} (direct, written at its writer index) and returns the
     * message to fire, or {@code null}, leaving {@code buf} untouched, when none is queued.
     */
    abstract Object receive(ByteBuf buf, LoopBuffers b) throws IOException;

    /**
     * Sends {@code msg} (a filtered outbound message) as one datagram: true once sent, false if the
     * send buffer is full.
     */
    abstract boolean send(Object msg, LoopBuffers b) throws IOException;

    /** Whether {@code to} names the peer this socket is connected to. */
    abstract boolean isConnectedPeer(SocketAddress to);

    /**
     * A connected datagram socket sends to its peer only (the BSD kernels refuse a destination on a
     * connected socket with EISCONN): a datagram addressed elsewhere fails, as with NIO, including
     * one written before the connect and flushed after it.
     */
    final void checkRecipient(SocketAddress to) {
        if (to != null && isConnected() && !isConnectedPeer(to)) {
            throw new AlreadyConnectedException();
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        LoopBuffers b = buffers();
        int maxMessagesPerWrite = config().getMaxMessagesPerWrite();
        int spin = config().getWriteSpinCount();
        while (maxMessagesPerWrite > 0) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            try {
                boolean sent = false;
                for (int i = spin; i > 0 && !sent; i--) {
                    sent = send(msg, b);
                }
                if (!sent) {
                    break;
                }
                in.remove();
            } catch (IOException | RuntimeException e) {
                // This datagram only (a refused destination, an address of the other family, a
                // released buffer): the socket is fine and the next datagram may go.
                in.remove(e);
            }
            maxMessagesPerWrite--;
        }
        // Level-triggered: asks again while anything is left, whether the buffer was full or the
        // per-turn bound was reached, so other channels on the loop get their turn in between.
        writeFilter(!in.isEmpty());
    }

    /** Sends {@code data} by address: one send for a flat buffer, one gathering sendmsg for a composite. */
    final boolean sendBytes(ByteBuf data, LoopBuffers b, long to, int toLen) throws IOException {
        int len = data.readableBytes();
        if (data.hasMemoryAddress() || data.nioBufferCount() == 1) {
            return socket.sendTo(b.errno, address(data, data.readerIndex(), len), len, to, toLen) >= 0;
        }
        IovArray iov = b.cleanIovArray();
        iov.maxBytes(Long.MAX_VALUE);
        for (ByteBuffer nio : data.nioBuffers(data.readerIndex(), len)) {
            iov.add(address(nio), nio.remaining());
        }
        return socket.sendTo(b.errno, iov, to, toLen) >= 0;
    }

    @Override
    protected AbstractKQueueFfmUnsafe newUnsafe() {
        return new DatagramUnsafe();
    }

    final class DatagramUnsafe extends AbstractKQueueFfmUnsafe {
        private final PreferredDirectByteBufAllocator directAllocator = new PreferredDirectByteBufAllocator();

        @Override
        void readReady(ReadHandle allocHandle) {
            ChannelConfig config = config();
            if (shouldBreakReadReady(config)) {
                clearReadFilter0();
                return;
            }
            ChannelPipeline pipeline = pipeline();
            ByteBufAllocator allocator = config.getAllocator();
            allocHandle.reset(config);
            LoopBuffers b = buffers();
            Throwable exception = null;
            ByteBuf buf = null;
            try {
                do {
                    directAllocator.updateAllocator(allocator);
                    buf = allocHandle.allocate(directAllocator);
                    allocHandle.attemptedBytesRead(buf.writableBytes());
                    Object packet = receive(buf, b);
                    if (packet == null) {
                        buf.release();
                        buf = null;
                        allocHandle.lastBytesRead(-1);
                        break;
                    }
                    allocHandle.lastBytesRead(buf.readableBytes());
                    allocHandle.incMessagesRead(1);
                    readPending = false;
                    buf = null;
                    pipeline.fireChannelRead(packet);
                    // Reading less than was attempted says nothing about what else is queued.
                } while (allocHandle.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER) && isOpen());
            } catch (Throwable t) {
                if (buf != null) {
                    buf.release();
                }
                exception = t;
            }
            // The socket stays usable (an ICMP error is reported once): Netty's transports fire
            // the exception and keep the channel open.
            messagesRead(allocHandle, pipeline, config, exception);
        }
    }
}
