package io.kqueueffm.channel;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.event.Kqueue;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.socket.Socket;
import io.kqueueffm.socket.UnixSocketAddresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeUnit;

/**
 * What the channels of this transport share: the socket, the registration with a
 * {@link KQueueFfmIoHandler}, the read and write filters, and connecting.
 *
 * <p>Both filters are level-triggered. A read that stops early (MAX_MESSAGES_PER_READ, auto-read off)
 * is resumed by the next kevent without bookkeeping, and EOF stays visible until it has been read.
 * The write filter is enabled only while a write could not complete, and disabled once it has.
 */
public abstract class AbstractKQueueFfmChannel extends AbstractChannel implements UnixChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(AbstractKQueueFfmChannel.class);
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    static final KeventAbi KABI = Kqueue.abi();
    static final short EVFILT_READ = KABI.evfiltRead;
    static final short EVFILT_WRITE = KABI.evfiltWrite;
    /** Reading: level-triggered, so a read cut short is resumed by the next kevent. */
    private static final KQueueFfmIoOps READ_LEVEL = KQueueFfmIoOps.newOps(EVFILT_READ, KeventAbi.EV_ADD, 0);
    /** Paused: edge-triggered, so the peer's EOF is still seen but pending data does not spin the loop. */
    private static final KQueueFfmIoOps READ_EDGE = KQueueFfmIoOps.newOps(EVFILT_READ,
            (short) (KeventAbi.EV_ADD | KeventAbi.EV_CLEAR), 0);
    private static final KQueueFfmIoOps READ_DELETE = KQueueFfmIoOps.newOps(EVFILT_READ, KeventAbi.EV_DELETE, 0);
    private static final KQueueFfmIoOps WRITE_ON = KQueueFfmIoOps.newOps(EVFILT_WRITE,
            (short) (KeventAbi.EV_ADD | KeventAbi.EV_ENABLE), 0);
    private static final KQueueFfmIoOps WRITE_OFF = KQueueFfmIoOps.newOps(EVFILT_WRITE, KeventAbi.EV_DISABLE, 0);
    private static final KQueueFfmIoOps WRITE_DELETE = KQueueFfmIoOps.newOps(EVFILT_WRITE, KeventAbi.EV_DELETE, 0);

    final Socket socket;
    private FileDescriptor fdView;
    private IoRegistration registration;
    private boolean readFilterEnabled;
    private boolean writeFilterEnabled;
    /** Whether the write knote exists in this registration's kqueue (EV_DISABLE/EV_DELETE need one). */
    private boolean writeKnote;
    boolean inputClosedSeenErrorOnRead;
    protected volatile boolean active;
    private volatile SocketAddress local;
    private volatile SocketAddress remote;

    private ChannelPromise connectPromise;
    private Future<?> connectTimeoutFuture;
    private SocketAddress requestedRemoteAddress;

    AbstractKQueueFfmChannel(Channel parent, Socket socket, boolean active) {
        super(parent);
        this.socket = socket;
        this.active = active;
        if (active) {
            local = socket.localAddress();
            remote = socket.remoteAddress();
        }
    }

    AbstractKQueueFfmChannel(Channel parent, Socket socket, SocketAddress remote) {
        super(parent);
        this.socket = socket;
        this.active = true;
        this.remote = remote;
        this.local = socket.localAddress();
    }

    /**
     * The socket as Netty's {@link FileDescriptor}: {@code intValue()}, {@code isOpen()} and
     * {@code close()} work (close closes the channel's socket under it); its read and write methods
     * need Netty's JNI library and are not for this transport.
     */
    @Override
    public final FileDescriptor fd() {
        FileDescriptor d = fdView;
        if (d == null) {
            fdView = d = new KQueueFfmFileDescriptor(socket);
        }
        return d;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop l && KQueueFfmIoHandler.isCompatible(l);
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public abstract KQueueFfmChannelConfig config();

    final LoopBuffers buffers() {
        return registration.attachment();
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((AbstractKQueueFfmUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                writeKnote = false;
                if (isActive() && config().isAutoRead()) {
                    // An accepted connection starts reading right after this (auto-read): add the
                    // read knote level-triggered now rather than paused, then replaced a moment later.
                    readFilterEnabled = true;
                }
                if (writeFilterEnabled) {
                    submit(WRITE_ON);
                    writeKnote = true;
                }
                // The read knote lives as long as the registration: it also reports the peer's EOF.
                submit(readFilterEnabled ? READ_LEVEL : READ_EDGE);
                promise.setSuccess();
                // Writes flushed while deregistered were kept for this moment.
                ChannelOutboundBuffer out = unsafe().outboundBuffer();
                if (isActive() && out != null && !out.isEmpty()) {
                    ((AbstractKQueueFfmUnsafe) unsafe()).flush0();
                }
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    @Override
    protected void doDeregister() throws Exception {
        IoRegistration reg = registration;
        if (reg != null) {
            // The fd stays open (e.g. moving to another loop): its knotes must go explicitly.
            submit(READ_DELETE);
            if (writeKnote) {
                submit(WRITE_DELETE);
            }
            readFilterEnabled = false;
            writeFilterEnabled = false;
            writeKnote = false;
            reg.cancel();
            registration = null;
        }
    }

    @Override
    protected void doClose() throws Exception {
        active = false;
        inputClosedSeenErrorOnRead = true;
        ChannelPromise pendingConnect = connectPromise;
        if (pendingConnect != null) {
            connectPromise = null;
            pendingConnect.tryFailure(new ClosedChannelException());
        }
        if (connectTimeoutFuture != null) {
            connectTimeoutFuture.cancel(false);
            connectTimeoutFuture = null;
        }
        IoRegistration reg = registration;
        if (reg != null) {
            // Closing the fd drops its knotes in the kernel; changes still queued must not outlive it.
            reg.submit(KQueueFfmIoOps.FD_CLOSING);
            reg.cancel();
            registration = null;
        }
        socket.close();
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    /**
     * Removes this channel's knotes from the kqueue right now and ends its registration, for a close
     * that will run off the loop (SO_LINGER makes close(2) block). Loop thread only.
     */
    final void detachNow() {
        IoRegistration reg = registration;
        if (reg == null) {
            return;
        }
        submit(READ_DELETE);
        if (writeKnote) {
            submit(WRITE_DELETE);
        }
        submit(KQueueFfmIoOps.APPLY_NOW);
        readFilterEnabled = false;
        writeFilterEnabled = false;
        writeKnote = false;
        reg.cancel();
        registration = null;
    }

    private void submit(KQueueFfmIoOps ops) {
        IoRegistration reg = registration;
        if (reg != null && socket.isOpen()) {
            reg.submit(ops);
        }
    }

    final void readFilter(boolean enable) {
        if (readFilterEnabled == enable) {
            return;
        }
        readFilterEnabled = enable;
        if (registration == null) {
            return;
        }
        // Whether an existing knote adopts a changed EV_CLEAR is not specified: replace it. Both
        // changes go into the same kevent call, in order.
        submit(READ_DELETE);
        submit(enable ? READ_LEVEL : READ_EDGE);
    }

    final boolean isReadFilterEnabled() {
        return readFilterEnabled;
    }

    final void writeFilter(boolean enable) {
        if (writeFilterEnabled == enable) {
            return;
        }
        writeFilterEnabled = enable;
        if (registration == null) {
            return;
        }
        if (enable) {
            submit(WRITE_ON);
            writeKnote = true;
        } else if (writeKnote) {
            submit(WRITE_OFF);
        }
    }

    final boolean isWriteFilterEnabled() {
        return writeFilterEnabled;
    }

    @Override
    protected final void doBeginRead() throws Exception {
        ((AbstractKQueueFfmUnsafe) unsafe()).readPending = true;
        readFilter(true);
    }

    final void clearReadFilter() {
        if (isRegistered()) {
            EventLoop loop = eventLoop();
            AbstractKQueueFfmUnsafe unsafe = (AbstractKQueueFfmUnsafe) unsafe();
            if (loop.inEventLoop()) {
                unsafe.clearReadFilter0();
            } else {
                loop.execute(() -> {
                    if (!unsafe.readPending && !config().isAutoRead()) {
                        unsafe.clearReadFilter0();
                    }
                });
            }
        } else {
            readFilterEnabled = false;
        }
    }

    final boolean shouldBreakReadReady(ChannelConfig config) {
        // Detached: closed inside channelRead with the fd's close handed to another thread
        // (SO_LINGER), so the loop's buffers are no longer this channel's to read with.
        return registration == null
                || socket.isInputShutdown() && (inputClosedSeenErrorOnRead || !isAllowHalfClosure(config));
    }

    static boolean isAllowHalfClosure(ChannelConfig config) {
        return config instanceof DuplexChannelConfig c && c.isAllowHalfClosure();
    }

    /** The native address of {@code len} bytes of {@code buf} at {@code index} (a direct buffer). */
    static long address(ByteBuf buf, int index, int len) {
        if (buf.hasMemoryAddress()) {
            return buf.memoryAddress() + index;
        }
        ByteBuffer nio = buf.internalNioBuffer(index, len);
        return MemorySegment.ofBuffer(nio).address();
    }

    /** The native address of {@code nio}'s position (a segment of a buffer starts at its position). */
    static long address(ByteBuffer nio) {
        return MemorySegment.ofBuffer(nio).address();
    }

    /** Reads into {@code buf}: bytes read, 0 if nothing was there, -1 at end of stream. */
    final int doReadBytes(ByteBuf buf) throws IOException {
        int writerIndex = buf.writerIndex();
        int writable = buf.writableBytes();
        unsafe().recvBufAllocHandle().attemptedBytesRead(writable);
        int n = socket.read(buffers().errno, address(buf, writerIndex, writable), writable);
        if (n > 0) {
            buf.writerIndex(writerIndex + n);
        }
        return n;
    }

    /**
     * Whether {@code buf} can be written by address as it is: a direct buffer whose components fit
     * one iovec array. Others are copied once into a direct buffer ({@link #newDirectBuffer}).
     */
    static boolean isSendableByAddress(ByteBuf buf) {
        return buf.hasMemoryAddress() || buf.isDirect() && buf.nioBufferCount() <= Socket.abi().iovMax;
    }

    /** A direct copy of {@code buf} (released), for writing a heap buffer by address. */
    protected final ByteBuf newDirectBuffer(ByteBuf buf) {
        int readable = buf.readableBytes();
        if (readable == 0) {
            ReferenceCountUtil.release(buf);
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBufAllocator alloc = alloc();
        ByteBuf direct = null;
        if (!alloc.isDirectBufferPooled()) {
            direct = ByteBufUtil.threadLocalDirectBuffer();
        }
        if (direct == null) {
            direct = alloc.directBuffer(readable);
        }
        direct.writeBytes(buf, buf.readerIndex(), readable);
        ReferenceCountUtil.safeRelease(buf);
        return direct;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        if (localAddress instanceof InetSocketAddress a && a.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        socket.bind(localAddress);
        local = socket.localAddress();
    }

    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        if (localAddress instanceof InetSocketAddress a && a.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        if (remoteAddress instanceof InetSocketAddress a && a.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        if (remote != null) {
            throw new AlreadyConnectedException();
        }
        if (localAddress != null) {
            socket.bind(localAddress);
        }
        boolean connected;
        boolean success = false;
        try {
            connected = socket.connect(remoteAddress);
            if (!connected) {
                writeFilter(true);
            }
            success = true;
        } finally {
            if (!success) {
                doClose();
            }
        }
        if (connected) {
            // The JDK's UnixDomainSocketAddress is accepted; domain channels report Netty's type.
            remote = UnixSocketAddresses.isUnix(remoteAddress) ? UnixSocketAddresses.toDomain(remoteAddress)
                    : remoteAddress;
        }
        local = socket.localAddress();
        return connected;
    }

    /** A datagram socket's association was dissolved: no remote address, the local one may have changed. */
    final void disconnected() {
        remote = null;
        local = socket.localAddress();
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected abstract AbstractKQueueFfmUnsafe newUnsafe();

    /** The configured allocator handle, which keeps reading to the end once the peer's EOF is known. */
    static final class ReadHandle extends RecvByteBufAllocator.DelegatingHandle
            implements RecvByteBufAllocator.ExtendedHandle {
        private boolean eof;

        ReadHandle(RecvByteBufAllocator.ExtendedHandle delegate) {
            super(delegate);
        }

        void readEof() {
            eof = true;
        }

        @Override
        public boolean continueReading(io.netty.util.UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return eof || ((RecvByteBufAllocator.ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }

        @Override
        public boolean continueReading() {
            return eof || delegate().continueReading();
        }
    }

    /** The channel side of the loop: receives its events, runs reads, writes and connects. */
    public abstract class AbstractKQueueFfmUnsafe extends AbstractUnsafe implements KQueueFfmIoHandle {
        boolean readPending;
        private ReadHandle allocHandle;

        @Override
        public int ident() {
            return socket.fd();
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            KQueueFfmIoEvent event = (KQueueFfmIoEvent) ioEvent;
            if (event.isError()) {
                changeRefused(event);
                return;
            }
            short filter = event.filter();
            if (filter == EVFILT_WRITE) {
                writeReady(event.isEof());
            } else if (filter == EVFILT_READ) {
                if (connectPromise != null) {
                    // A refused or reset connect also ends the read side: report it as the connect's failure.
                    finishConnect(event.isEof());
                    if (connectPromise != null || !isActive()) {
                        return;
                    }
                    // Connected: this event may also carry the peer's first bytes and EOF, which a paused
                    // (edge-triggered) read knote reports only once.
                }
                ReadHandle h = recvBufAllocHandle();
                if (event.isEof()) {
                    // Deliver what is buffered and the EOF, even with reading paused (auto-read off).
                    h.readEof();
                    readReady(h);
                } else if (isReadFilterEnabled()) {
                    readReady(h);
                }
            }
        }

        abstract void readReady(ReadHandle allocHandle);

        /**
         * The kernel refused a change of this channel (ENOMEM on a Mac, EMFILE under the emulation):
         * the filter it asked for will never report, so whatever waits on it would wait forever.
         * Fail the channel instead: the cause through the pipeline, to the pending writes, then close.
         */
        private void changeRefused(KQueueFfmIoEvent event) {
            int errno = (int) event.data();
            if (errno == Errno.ENOENT && (event.flags() & (KeventAbi.EV_DELETE | KeventAbi.EV_DISABLE)) != 0) {
                // Removing a knote that is already gone: the outcome asked for holds.
                return;
            }
            if (!isOpen()) {
                return;
            }
            NativeException cause = new NativeException("kevent", errno, "change refused for fd " + socket.fd()
                    + ": filter=" + event.filter() + ", flags=0x" + Integer.toHexString(event.flags() & 0xFFFF));
            logger.debug("{}: {}", AbstractKQueueFfmChannel.this, cause.getMessage());
            if (!failConnectPromise(cause)) {
                pipeline().fireExceptionCaught(cause);
            }
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(cause);
            close(voidPromise(), cause, closed);
        }

        @Override
        public ReadHandle recvBufAllocHandle() {
            if (allocHandle == null) {
                allocHandle = new ReadHandle((RecvByteBufAllocator.ExtendedHandle) super.recvBufAllocHandle());
            }
            return allocHandle;
        }

        final boolean shouldStopReading(ChannelConfig config) {
            return !readPending && !config.isAutoRead();
        }

        /** The end of a read of whole messages (connections, datagrams): one read-complete, then the error. */
        final void messagesRead(ReadHandle allocHandle, ChannelPipeline pipeline, ChannelConfig config,
                                Throwable exception) {
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (exception != null) {
                pipeline.fireExceptionCaught(exception);
            }
            if (shouldStopReading(config)) {
                clearReadFilter0();
            }
        }

        final void clearReadFilter0() {
            assert eventLoop().inEventLoop();
            readPending = false;
            readFilter(false);
        }

        @Override
        protected final void flush0() {
            // Waiting for writability: the write event flushes; writing now would only meet EAGAIN.
            // Deregistered: no loop buffers to write with; the data waits for the next registration.
            if (!isWriteFilterEnabled() && registration != null) {
                super.flush0();
            }
        }

        private void writeReady(boolean eof) {
            if (connectPromise != null) {
                finishConnect(eof);
                return;
            }
            if (!socket.isOutputShutdown()) {
                super.flush0();
            }
            // Level-triggered: once there is nothing left to write (or no way to), stop asking.
            ChannelOutboundBuffer out = outboundBuffer();
            if (socket.isOutputShutdown() || !isActive() || out == null || out.isEmpty()) {
                writeFilter(false);
            }
        }

        /** The peer finished sending (read returned EOF) or reading failed. */
        final void shutdownInput(boolean dueToError) {
            if (!socket.isInputShutdown()) {
                if (isAllowHalfClosure(config())) {
                    try {
                        socket.shutdown(true, false);
                    } catch (NotYetConnectedException ignore) {
                        // never connected: nothing to shut
                    } catch (IOException e) {
                        pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                        close(voidPromise());
                        return;
                    }
                    // EOF stays readable (level-triggered): stop asking until the user reads again.
                    clearReadFilter0();
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                } else {
                    close(voidPromise());
                    return;
                }
            } else if (!dueToError) {
                clearReadFilter0();
            }
            if (!inputClosedSeenErrorOnRead) {
                inputClosedSeenErrorOnRead = true;
                pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
            }
        }

        final boolean failConnectPromise(Throwable cause) {
            ChannelPromise p = connectPromise;
            if (p != null) {
                connectPromise = null;
                if (p.tryFailure(cause instanceof ConnectException ? cause
                        : new ConnectException("failed to connect").initCause(cause))) {
                    closeIfClosed();
                    return true;
                }
            }
            return false;
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            try {
                if (connectPromise != null) {
                    throw new ConnectionPendingException();
                }
                boolean wasActive = isActive();
                if (doConnect(remoteAddress, localAddress)) {
                    fulfillConnectPromise(promise, wasActive);
                    return;
                }
                connectPromise = promise;
                requestedRemoteAddress = remoteAddress;
                int timeoutMillis = config().getConnectTimeoutMillis();
                if (timeoutMillis > 0) {
                    connectTimeoutFuture = eventLoop().schedule(() -> {
                        ChannelPromise p = connectPromise;
                        if (p != null && !p.isDone() && p.tryFailure(new ConnectTimeoutException(
                                "connection timed out after " + timeoutMillis + " ms: " + remoteAddress))) {
                            close(voidPromise());
                        }
                    }, timeoutMillis, TimeUnit.MILLISECONDS);
                }
                promise.addListener((ChannelFutureListener) future -> {
                    if (future.isCancelled()) {
                        if (connectTimeoutFuture != null) {
                            connectTimeoutFuture.cancel(false);
                        }
                        connectPromise = null;
                        close(voidPromise());
                    }
                });
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(annotateConnectException(t, remoteAddress));
            }
        }

        private void fulfillConnectPromise(ChannelPromise promise, boolean wasActive) {
            if (promise == null) {
                return;
            }
            active = true;
            boolean nowActive = isActive();
            boolean promiseSet = promise.trySuccess();
            if (!wasActive && nowActive) {
                pipeline().fireChannelActive();
            }
            if (!promiseSet) {
                close(voidPromise());
            }
        }

        private void fulfillConnectPromise(ChannelPromise promise, Throwable cause) {
            if (promise == null) {
                return;
            }
            promise.tryFailure(cause);
            closeIfClosed();
        }

        private void finishConnect(boolean eof) {
            assert eventLoop().inEventLoop();
            boolean stillInProgress = false;
            try {
                boolean wasActive = isActive();
                if (!socket.finishConnect(requestedRemoteAddress)) {
                    if (eof) {
                        // Ended without an error and without a peer: it will never connect.
                        throw new ConnectException("connection closed before it was established: "
                                + requestedRemoteAddress);
                    }
                    stillInProgress = true;
                    return;
                }
                writeFilter(false);
                remote = requestedRemoteAddress instanceof InetSocketAddress r ? r : socket.remoteAddress();
                requestedRemoteAddress = null;
                fulfillConnectPromise(connectPromise, wasActive);
            } catch (Throwable t) {
                writeFilter(false);
                fulfillConnectPromise(connectPromise, annotateConnectException(t, requestedRemoteAddress));
            } finally {
                if (!stillInProgress) {
                    if (connectTimeoutFuture != null) {
                        connectTimeoutFuture.cancel(false);
                    }
                    connectPromise = null;
                }
            }
        }
    }
}
