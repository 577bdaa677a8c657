package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.socket.ControlMessages;
import io.kqueueffm.socket.PeerCredentials;
import io.kqueueffm.socket.Socket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/**
 * A Unix domain stream socket on this transport: a client connecting to a socket file (Netty's
 * {@link DomainSocketAddress} or the JDK's {@link java.net.UnixDomainSocketAddress}), or a connection
 * accepted by {@link KQueueFfmServerDomainSocketChannel}.
 *
 * <p>Besides bytes it carries file descriptors: writing a {@link FileDescriptor} (Netty's, or a
 * {@link KQueueFfmFileDescriptor}) sends it with SCM_RIGHTS, one descriptor per message; in
 * {@link DomainSocketReadMode#FILE_DESCRIPTORS} every received descriptor comes up the pipeline as a
 * {@link KQueueFfmFileDescriptor}, which the handler owns. A message carrying more descriptors than
 * {@link ControlMessages#MAX_FDS} fails the pipeline with a {@link FileDescriptorsTruncatedException}
 * after the ones that arrived.
 */
public final class KQueueFfmDomainSocketChannel extends AbstractKQueueFfmStreamChannel implements DomainSocketChannel {
    private final KQueueFfmDomainSocketChannelConfig config;

    public KQueueFfmDomainSocketChannel() {
        super(null, Sockets.newUnix(SocketAbi.SOCK_STREAM), false);
        config = new KQueueFfmDomainSocketChannelConfig(this);
    }

    KQueueFfmDomainSocketChannel(Channel parent, Socket socket, DomainSocketAddress remote) {
        super(parent, socket, remote);
        config = new KQueueFfmDomainSocketChannelConfig(this);
    }

    @Override
    public KQueueFfmDomainSocketChannelConfig config() {
        return config;
    }

    /** The credentials of the process at the other end, as the kernel recorded them at connect time. */
    public PeerCredentials peerCredentials() throws IOException {
        return PeerCredentials.of(socket);
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
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof FileDescriptor) {
            return msg;
        }
        return super.filterOutboundMessage(msg);
    }

    @Override
    int doWriteSingle(ChannelOutboundBuffer in) throws Exception {
        if (!(in.current() instanceof FileDescriptor fd)) {
            return super.doWriteSingle(in);
        }
        // A descriptor the kernel refuses fails its own write only; the connection is fine.
        if (!fd.isOpen()) {
            in.remove(new IOException("cannot pass " + fd + ": it is closed"));
            return 1;
        }
        try {
            if (!buffers().control.sendFd(buffers().errno, socket, fd.intValue())) {
                return WRITE_STATUS_SNDBUF_FULL;
            }
        } catch (NativeException e) {
            // EBADF on an open socket names the descriptor; anything else is the connection's.
            if (e.errno() != Errno.EBADF || !socket.isOpen()) {
                throw e;
            }
            in.remove(e);
            return 1;
        }
        in.remove();
        return 1;
    }

    @Override
    protected AbstractKQueueFfmUnsafe newUnsafe() {
        return new DomainUnsafe();
    }

    private final class DomainUnsafe extends StreamUnsafe {
        @Override
        void readReady(ReadHandle allocHandle) {
            if (config.getReadMode() == DomainSocketReadMode.BYTES) {
                super.readReady(allocHandle);
            } else {
                readFileDescriptors(allocHandle);
            }
        }

        private void readFileDescriptors(ReadHandle allocHandle) {
            ChannelConfig config = config();
            if (shouldBreakReadReady(config)) {
                clearReadFilter0();
                return;
            }
            ChannelPipeline pipeline = pipeline();
            ControlMessages control = buffers().control;
            allocHandle.reset(config);
            boolean eof = false;
            try {
                do {
                    allocHandle.attemptedBytesRead(1);
                    int n = control.receive(buffers().errno, socket);
                    if (n <= 0) {
                        allocHandle.lastBytesRead(n);
                        eof = n < 0;
                        if (eof) {
                            readPending = false;
                        }
                        break;
                    }
                    allocHandle.lastBytesRead(1);
                    allocHandle.incMessagesRead(1);
                    readPending = false;
                    deliver(pipeline, control);
                    if (shouldBreakReadReady(config)) {
                        break;
                    }
                } while (allocHandle.continueReading());
                allocHandle.readComplete();
                pipeline.fireChannelReadComplete();
                if (eof) {
                    shutdownInput(false);
                }
            } catch (Throwable t) {
                allocHandle.readComplete();
                pipeline.fireChannelReadComplete();
                pipeline.fireExceptionCaught(t);
                if (t instanceof IOException) {
                    shutdownInput(true);
                }
            } finally {
                if (shouldStopReading(config)) {
                    clearReadFilter0();
                }
            }
        }

        /** Hands every received descriptor to the pipeline; any that cannot be handed over are closed. */
        private void deliver(ChannelPipeline pipeline, ControlMessages control) {
            int count = control.fdCount();
            int delivered = 0;
            try {
                while (delivered < count) {
                    KQueueFfmFileDescriptor fd = new KQueueFfmFileDescriptor(control.fd(delivered));
                    delivered++;
                    pipeline.fireChannelRead(fd);
                }
            } finally {
                control.closeFrom(delivered);
            }
            if (control.truncated()) {
                pipeline.fireExceptionCaught(new FileDescriptorsTruncatedException(count));
            }
        }
    }
}
