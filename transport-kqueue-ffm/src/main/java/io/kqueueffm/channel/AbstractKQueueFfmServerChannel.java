package io.kqueueffm.channel;

import io.kqueueffm.socket.Socket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A listening socket on this transport: binds, listens, and accepts connections in the read loop,
 * up to MAX_MESSAGES_PER_READ per turn. Subclasses say what a connection becomes.
 */
public abstract class AbstractKQueueFfmServerChannel extends AbstractKQueueFfmChannel implements ServerChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    AbstractKQueueFfmServerChannel(Socket socket) {
        super(null, socket, false);
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /** The listen(2) backlog. */
    abstract int backlog();

    /**
     * The channel for an accepted {@code fd} whose peer address is the first {@code addrLen} bytes of
     * {@code addr}. If this throws, the fd is closed.
     */
    abstract Channel newChild(int fd, MemorySegment addr, int addrLen) throws Exception;

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        socket.listen(backlog());
        active = true;
    }

    @Override
    protected final void doWrite(ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected final Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected final AbstractKQueueFfmUnsafe newUnsafe() {
        return new ServerUnsafe();
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
                    Channel child;
                    try {
                        child = newChild(fd, b.sockaddr, b.socklen.get(JAVA_INT, 0));
                    } catch (Throwable t) {
                        Socket.adopt(fd, socket.isInet6()).close();
                        throw t;
                    }
                    pipeline.fireChannelRead(child);
                } while (allocHandle.continueReading());
            } catch (Throwable t) {
                exception = t;
            }
            messagesRead(allocHandle, pipeline, config, exception);
        }
    }
}
