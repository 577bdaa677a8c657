package io.kqueueffm.channel;

import io.kqueueffm.socket.IovArray;
import io.kqueueffm.socket.RegularFile;
import io.kqueueffm.socket.Socket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.util.IllegalReferenceCountException;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.PreferredDirectByteBufAllocator;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.StringUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.Executor;

/**
 * A connected byte stream on this transport (TCP or a Unix domain socket). Writes go out by address:
 * one buffer with send(2), several with one gathering sendmsg(2) over the loop's iovec array; heap
 * buffers are copied once into a direct buffer when written. Reads go into direct buffers. Both
 * directions shut down on their own ({@link DuplexChannel}).
 */
public abstract class AbstractKQueueFfmStreamChannel extends AbstractKQueueFfmChannel implements DuplexChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(AbstractKQueueFfmStreamChannel.class);
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private static final String EXPECTED_TYPES = " (expected: " + StringUtil.simpleClassName(ByteBuf.class) + ", "
            + StringUtil.simpleClassName(FileRegion.class) + ')';
    /** Below this, a short gathering write does not shrink the next attempt. */
    private static final int MAX_BYTES_PER_GATHERING_WRITE_ATTEMPTED_LOW_THRESHOLD = 4096;
    static final int WRITE_STATUS_SNDBUF_FULL = Integer.MAX_VALUE;

    private final Runnable flushTask = () -> ((AbstractKQueueFfmUnsafe) unsafe()).flush0();
    /** Bytes one transferTo call of a FileRegion that sendfile cannot take may write. */
    private static final long TRANSFER_SLICE = 1 << 20;
    /**
     * Bytes one sendfile call may send: with a reader as fast as the loop, one call could otherwise
     * run on for the whole region. A write spin is one call, so a turn sends at most 16 of these.
     */
    private static final long SENDFILE_SLICE = 4 << 20;

    private SocketByteChannel byteChannel;
    /** The region being sent with sendfile and the file it reads from, open until the region is done. */
    private FileRegion sendfileRegion;
    private RegularFile sendfileFile;
    /** Reused for every gathering write: a capturing lambda would allocate each time. */
    private final IovFiller iovFiller = new IovFiller();

    AbstractKQueueFfmStreamChannel(Channel parent, Socket socket, boolean active) {
        super(parent, socket, active);
    }

    AbstractKQueueFfmStreamChannel(Channel parent, Socket socket, SocketAddress remote) {
        super(parent, socket, remote);
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /**
     * Whether close(2) will block on SO_LINGER (a positive linger). Streams without lingering (Unix
     * domain sockets) keep this default.
     */
    boolean lingers() {
        return false;
    }

    @Override
    protected AbstractKQueueFfmUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    // ---- writing ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return isSendableByAddress(buf) ? buf : newDirectBuffer(buf);
        }
        if (msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + EXPECTED_TYPES);
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        int writeSpinCount = config().getWriteSpinCount();
        do {
            int msgCount = in.size();
            if (msgCount > 1 && in.current() instanceof ByteBuf) {
                writeSpinCount -= doWriteMultiple(in);
            } else if (msgCount == 0) {
                writeFilter(false);
                return;
            } else {
                writeSpinCount -= doWriteSingle(in);
            }
        } while (writeSpinCount > 0);

        if (writeSpinCount == 0) {
            // Spin count used up with the socket still taking data: yield to other channels, come back.
            writeFilter(false);
            eventLoop().execute(flushTask);
        } else {
            // The send buffer is full: wait for the kernel to say it drained.
            writeFilter(true);
        }
    }

    /** Writes the current message: 1 for progress, 0 for none needed, WRITE_STATUS_SNDBUF_FULL to wait. */
    int doWriteSingle(ChannelOutboundBuffer in) throws Exception {
        Object msg = in.current();
        if (msg instanceof ByteBuf buf) {
            return writeBytes(in, buf);
        }
        if (msg instanceof FileRegion region) {
            return writeFileRegion(in, region);
        }
        throw new Error("unexpected message type: " + StringUtil.simpleClassName(msg));
    }

    private int writeBytes(ChannelOutboundBuffer in, ByteBuf buf) throws Exception {
        int readable = buf.readableBytes();
        if (readable == 0) {
            in.remove();
            return 0;
        }
        if (buf.hasMemoryAddress() || buf.nioBufferCount() == 1) {
            int written = socket.write(buffers().errno, address(buf, buf.readerIndex(), readable), readable);
            if (written > 0) {
                in.removeBytes(written);
                return 1;
            }
            return WRITE_STATUS_SNDBUF_FULL;
        }
        IovArray iov = prepareIov();
        iovFiller.processMessage(buf);
        return writeIov(in, iov);
    }

    /** The loop's iovec array, emptied, bounded for this channel, and lent to {@link #iovFiller}. */
    private IovArray prepareIov() {
        IovArray iov = buffers().cleanIovArray();
        iov.maxBytes(config().getMaxBytesPerGatheringWrite());
        iovFiller.iov = iov;
        return iov;
    }

    private int doWriteMultiple(ChannelOutboundBuffer in) throws Exception {
        IovArray iov = prepareIov();
        in.forEachFlushedMessage(iovFiller);
        if (iov.count() == 0) {
            // Only empty buffers at the head: drop them.
            in.removeBytes(0);
            return 0;
        }
        return writeIov(in, iov);
    }

    /** Adds flushed buffers to the loop's iovec array until it is full or maxBytes is reached. */
    private static final class IovFiller implements ChannelOutboundBuffer.MessageProcessor {
        IovArray iov;

        @Override
        public boolean processMessage(Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                return false;
            }
            int readable = buf.readableBytes();
            if (readable == 0) {
                return true;
            }
            if (buf.hasMemoryAddress()) {
                return iov.add(buf.memoryAddress() + buf.readerIndex(), readable) && !iov.isFull();
            }
            if (buf.nioBufferCount() == 1) {
                return iov.add(address(buf, buf.readerIndex(), readable), readable) && !iov.isFull();
            }
            for (ByteBuffer nio : buf.nioBuffers()) {
                if (!iov.add(address(nio), nio.remaining())) {
                    return false;
                }
            }
            return !iov.isFull();
        }
    }

    private int writeIov(ChannelOutboundBuffer in, IovArray iov) throws IOException {
        long attempted = iov.size();
        long max = iov.maxBytes();
        long written = socket.writev(buffers().errno, iov);
        if (written > 0) {
            adjustMaxBytesPerGatheringWrite(attempted, written, max);
            in.removeBytes(written);
            return 1;
        }
        return WRITE_STATUS_SNDBUF_FULL;
    }

    /** Grows the bound while the socket takes everything, shrinks it when it takes less than half. */
    private void adjustMaxBytesPerGatheringWrite(long attempted, long written, long oldMax) {
        if (attempted == written) {
            if (attempted << 1 > oldMax) {
                config().setMaxBytesPerGatheringWrite(attempted << 1);
            }
        } else if (attempted > MAX_BYTES_PER_GATHERING_WRITE_ATTEMPTED_LOW_THRESHOLD && written < attempted >>> 1) {
            config().setMaxBytesPerGatheringWrite(attempted >>> 1);
        }
    }

    private int writeFileRegion(ChannelOutboundBuffer in, FileRegion region) throws Exception {
        if (region.refCnt() == 0) {
            // Released before it was written: its file may be closed already; send nothing.
            throw new IllegalReferenceCountException(0);
        }
        if (region.transferred() >= region.count()) {
            regionDone(in, region);
            return 0;
        }
        long flushed;
        // A region is checked once, when it first comes up: the file sendfile opened stays its own.
        File file = region == sendfileRegion ? null
                : region instanceof DefaultFileRegion d ? DefaultFileRegions.sendableFile(d) : null;
        if (region == sendfileRegion || file != null) {
            flushed = sendFile((DefaultFileRegion) region, file);
        } else {
            if (byteChannel == null) {
                byteChannel = new SocketByteChannel();
            }
            // A region's transferTo may loop for as long as the socket takes bytes (the JDK's does):
            // a budget per call keeps one spin of a huge region as short as any other write.
            byteChannel.budget = TRANSFER_SLICE;
            flushed = region.transferTo(byteChannel, region.transferred());
        }
        if (flushed > 0) {
            in.progress(flushed);
            if (region.transferred() >= region.count()) {
                regionDone(in, region);
            }
            return 1;
        }
        return WRITE_STATUS_SNDBUF_FULL;
    }

    private void regionDone(ChannelOutboundBuffer in, FileRegion region) throws IOException {
        if (region == sendfileRegion) {
            closeSendfileFile();
        }
        in.remove();
    }

    /**
     * One sendfile call of at most {@link #SENDFILE_SLICE} bytes: {@code file} is opened when the
     * region first comes up and stays open until the region is done.
     */
    private long sendFile(DefaultFileRegion region, File file) throws IOException {
        if (region != sendfileRegion) {
            closeSendfileFile();
            sendfileFile = RegularFile.open(file);
            sendfileRegion = region;
        }
        long done = region.transferred();
        long count = Math.min(region.count() - done, SENDFILE_SLICE);
        LoopBuffers b = buffers();
        long sent = socket.sendFile(b.errno, b.sendfileCount, sendfileFile, region.position() + done, count);
        if (sent < 0) {
            throw new IOException("the file of " + region + " ended before the region did: " + (region.position() + done)
                    + " + " + (region.count() - done) + " bytes asked");
        }
        if (sent > 0) {
            DefaultFileRegions.addTransferred(region, sent);
        }
        return sent;
    }

    private void closeSendfileFile() throws IOException {
        RegularFile f = sendfileFile;
        sendfileFile = null;
        sendfileRegion = null;
        if (f != null) {
            f.close();
        }
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            closeSendfileFile();
        }
    }

    /** The socket as a WritableByteChannel for FileRegion.transferTo: direct buffers go by address. */
    private final class SocketByteChannel implements WritableByteChannel {
        /** Bytes this transferTo call may still write; once spent the channel takes nothing more. */
        long budget;

        @Override
        public int write(ByteBuffer src) throws IOException {
            int len = (int) Math.min(src.remaining(), budget);
            if (len == 0) {
                return 0;
            }
            int written;
            if (src.isDirect()) {
                written = socket.write(buffers().errno, address(src), len);
            } else {
                // Heap bytes have no address: one copy into a direct buffer is the least there is.
                ByteBuf tmp = alloc().directBuffer(len);
                try {
                    tmp.writeBytes(src.duplicate().limit(src.position() + len));
                    written = socket.write(buffers().errno, address(tmp, tmp.readerIndex(), len), len);
                } finally {
                    tmp.release();
                }
            }
            if (written > 0) {
                src.position(src.position() + written);
                budget -= written;
            }
            return written;
        }

        @Override
        public boolean isOpen() {
            return socket.isOpen();
        }

        @Override
        public void close() {
            // The channel owns the socket.
        }
    }

    // ---- half-closure ----

    @Override
    protected void doShutdownOutput() throws Exception {
        socket.shutdown(false, true);
    }

    @Override
    public boolean isOutputShutdown() {
        return socket.isOutputShutdown();
    }

    @Override
    public boolean isInputShutdown() {
        return socket.isInputShutdown();
    }

    @Override
    public boolean isShutdown() {
        return socket.isShutdown();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            ((AbstractUnsafe) unsafe()).shutdownOutput(promise);
        } else {
            loop.execute(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            shutdownInput0(promise);
        } else {
            loop.execute(() -> shutdownInput0(promise));
        }
        return promise;
    }

    private void shutdownInput0(ChannelPromise promise) {
        try {
            socket.shutdown(true, false);
        } catch (Throwable cause) {
            promise.setFailure(cause);
            return;
        }
        promise.setSuccess();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture out = shutdownOutput();
        if (out.isDone()) {
            shutdownOutputDone(out, promise);
        } else {
            out.addListener((ChannelFutureListener) f -> shutdownOutputDone(f, promise));
        }
        return promise;
    }

    private void shutdownOutputDone(ChannelFuture out, ChannelPromise promise) {
        ChannelFuture in = shutdownInput();
        if (in.isDone()) {
            shutdownDone(out, in, promise);
        } else {
            in.addListener((ChannelFutureListener) f -> shutdownDone(out, f, promise));
        }
    }

    private static void shutdownDone(ChannelFuture out, ChannelFuture in, ChannelPromise promise) {
        Throwable outCause = out.cause();
        Throwable inCause = in.cause();
        if (outCause != null) {
            if (inCause != null) {
                logger.debug("Exception suppressed because a previous exception occurred.", inCause);
            }
            promise.setFailure(outCause);
        } else if (inCause != null) {
            promise.setFailure(inCause);
        } else {
            promise.setSuccess();
        }
    }

    // ---- reading ----

    class StreamUnsafe extends AbstractKQueueFfmUnsafe {
        private final PreferredDirectByteBufAllocator directAllocator = new PreferredDirectByteBufAllocator();

        @Override
        protected Executor prepareToClose() {
            try {
                // With SO_LINGER close(2) waits for unsent data, even on a non-blocking socket (Linux;
                // the BSDs may too): close elsewhere, after the knotes are gone, so the loop never
                // blocks and never spins on the dying fd.
                if (isOpen() && lingers()) {
                    detachNow();
                    return GlobalEventExecutor.INSTANCE;
                }
            } catch (RuntimeException ignore) {
                // closing anyway: fall back to closing here
            }
            return null;
        }

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
            ByteBuf byteBuf = null;
            boolean close = false;
            try {
                do {
                    // Reads go by address: always into a direct buffer.
                    directAllocator.updateAllocator(allocator);
                    byteBuf = allocHandle.allocate(directAllocator);
                    allocHandle.lastBytesRead(doReadBytes(byteBuf));
                    if (allocHandle.lastBytesRead() <= 0) {
                        byteBuf.release();
                        byteBuf = null;
                        close = allocHandle.lastBytesRead() < 0;
                        if (close) {
                            readPending = false;
                        }
                        break;
                    }
                    allocHandle.incMessagesRead(1);
                    readPending = false;
                    pipeline.fireChannelRead(byteBuf);
                    byteBuf = null;
                    if (shouldBreakReadReady(config)) {
                        break;
                    }
                } while (allocHandle.continueReading());
                allocHandle.readComplete();
                pipeline.fireChannelReadComplete();
                if (close) {
                    shutdownInput(false);
                }
            } catch (Throwable t) {
                handleReadException(pipeline, byteBuf, t, close, allocHandle);
            } finally {
                if (shouldStopReading(config)) {
                    clearReadFilter0();
                }
            }
        }

        private void handleReadException(ChannelPipeline pipeline, ByteBuf byteBuf, Throwable cause, boolean close,
                                         ReadHandle allocHandle) {
            if (byteBuf != null) {
                if (byteBuf.isReadable()) {
                    readPending = false;
                    pipeline.fireChannelRead(byteBuf);
                } else {
                    byteBuf.release();
                }
            }
            if (!failConnectPromise(cause)) {
                allocHandle.readComplete();
                pipeline.fireChannelReadComplete();
                pipeline.fireExceptionCaught(cause);
                if (close || cause instanceof IOException || cause instanceof OutOfMemoryError) {
                    if (cause instanceof ClosedChannelException) {
                        close(voidPromise());
                    } else {
                        shutdownInput(true);
                    }
                }
            }
        }
    }
}
