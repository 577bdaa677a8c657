package io.kqueueffm.channel;

import io.kqueueffm.socket.Socket;
import io.kqueueffm.socket.SocketAddresses;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** A TCP listening socket on this transport; accepts {@link KQueueFfmSocketChannel}s. */
public final class KQueueFfmServerSocketChannel extends AbstractKQueueFfmChannel implements ServerSocketChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private final KQueueFfmServerSocketChannelConfig config;

    public KQueueFfmServerSocketChannel() {
        super(null, newSocket(), false);
        config = new KQueueFfmServerSocketChannelConfig(this);
    }

    private static Socket newSocket() {
        KQueueFfm.ensureAvailability();
        try {
            return Socket.newStreamSocket();
        } catch (IOException e) {
            throw new ChannelException("cannot create a server socket: " + e.getMessage(), e);
        }
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        socket.listen(config.getBacklog());
        active = true;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected AbstractKQueueFfmUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    private Channel newChild(int fd, InetSocketAddress remote) {
        return new KQueueFfmSocketChannel(this, Socket.adopt(fd, socket.isInet6()), remote);
    }

    private final class ServerUnsafe extends AbstractKQueueFfmUnsafe {
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a server channel does not connect"));
        }

        @Override
        void readReady(ReadHandle allocHandle) {
            assert eventLoop().inEventLoop();
            ChannelConfig config = config();
            if (shouldBreakReadReady(config)) {
                clearReadFilter0();
                return;
            }
            ChannelPipeline pipeline = pipeline();
            allocHandle.reset(config);
            allocHandle.attemptedBytesRead(1);
            LoopBuffers b = buffers();
            Throwable exception = null;
            try {
                do {
                    int fd = socket.accept(b.errno, b.sockaddr, b.socklen);
                    if (fd == -1) {
                        allocHandle.lastBytesRead(-1);
                        break;
                    }
                    allocHandle.lastBytesRead(1);
                    allocHandle.incMessagesRead(1);
                    readPending = false;
                    InetSocketAddress remote = SocketAddresses.decode(Socket.abi(), b.sockaddr, b.socklen.get(JAVA_INT, 0));
                    Channel child;
                    try {
                        child = newChild(fd, remote);
                    } catch (Throwable t) {
                        Socket.adopt(fd, socket.isInet6()).close();
                        throw t;
                    }
                    pipeline.fireChannelRead(child);
                } while (allocHandle.continueReading());
            } catch (Throwable t) {
                exception = t;
            }
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (exception != null) {
                pipeline.fireExceptionCaught(exception);
            }
            if (shouldStopReading(config)) {
                clearReadFilter0();
            }
        }
    }
}
