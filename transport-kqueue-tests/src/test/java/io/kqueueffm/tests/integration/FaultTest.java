package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Peers that misbehave: refused connects, resets mid-write, slow readers. */
@Timeout(120)
class FaultTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void connectToClosedPortFailsWithAddress() throws Exception {
        int port = closedPort();
        ChannelFuture f = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress("127.0.0.1", port)).await();
        assertFalse(f.isSuccess());
        ConnectException e = assertInstanceOf(ConnectException.class, f.cause());
        assertTrue(e.getMessage().contains("Connection refused") && e.getMessage().contains(":" + port),
                e.getMessage());
        f.channel().closeFuture().await(5, TimeUnit.SECONDS);
        assertFalse(f.channel().isOpen());
    }

    @Test
    void peerResetMidWriteFailsTheWriteAndClosesTheChannel() throws Exception {
        CompletableFuture<Throwable> writeFailure = new CompletableFuture<>();
        CountDownLatch inactive = new CountDownLatch(1);
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        writeForever(ctx);
                    }

                    private void writeForever(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024])).addListener(f -> {
                            if (f.isSuccess()) {
                                writeForever(ctx);
                            } else {
                                writeFailure.complete(f.cause());
                            }
                        });
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        inactive.countDown();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            InputStream in = peer.getInputStream();
            byte[] buf = new byte[8192];
            assertTrue(in.read(buf) > 0);
            peer.setSoLinger(true, 0); // close with RST
        }
        Throwable cause = writeFailure.get(30, TimeUnit.SECONDS);
        assertInstanceOf(IOException.class, cause);
        assertTrue(inactive.await(30, TimeUnit.SECONDS));
        server.close().sync();
    }

    @Test
    void slowReaderKeepsWriterWithinTheWaterMarks() throws Exception {
        int low = 32 * 1024;
        int high = 64 * 1024;
        int chunk = 1024;
        AtomicLong maxPending = new AtomicLong();
        AtomicLong written = new AtomicLong();
        CountDownLatch becameUnwritable = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        long total = 8L * 1024 * 1024;
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(low, high))
                .childOption(ChannelOption.SO_SNDBUF, 16 * 1024)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        pump(ctx);
                    }

                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        if (!ctx.channel().isWritable()) {
                            becameUnwritable.countDown();
                        }
                        pump(ctx);
                    }

                    private void pump(ChannelHandlerContext ctx) {
                        // A well-behaved fast writer: writes only while the channel says it may.
                        while (ctx.channel().isWritable() && written.get() < total) {
                            ctx.write(ctx.alloc().directBuffer(chunk).writeZero(chunk));
                            written.addAndGet(chunk);
                            long pending = ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes();
                            maxPending.accumulateAndGet(pending, Math::max);
                        }
                        ctx.flush();
                        if (written.get() >= total && finished.getCount() > 0) {
                            finished.countDown();
                            // close once everything written has gone out
                            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        AtomicLong received = new AtomicLong();
        CountDownLatch eof = new CountDownLatch(1);
        Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, 16 * 1024)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.addAndGet(((ByteBuf) msg).readableBytes());
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        eof.countDown();
                    }
                }).connect(server.localAddress()).sync().channel();
        assertTrue(becameUnwritable.await(30, TimeUnit.SECONDS), "the writer never hit the high water mark");
        // Read slowly: one read() at a time, with pauses, until the writer closes.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (eof.getCount() > 0 && System.nanoTime() < deadline) {
            client.read();
            Thread.sleep(2);
        }
        assertTrue(finished.await(30, TimeUnit.SECONDS));
        assertEquals(total, received.get());
        // Pending bytes never went past the high water mark by more than one chunk.
        assertTrue(maxPending.get() <= high + chunk, "max pending " + maxPending.get());
        server.close().sync();
    }

    @Test
    void closingDuringAPendingConnectFailsTheConnectFuture() throws Exception {
        // A listener whose accept queue is full: the kernel drops SYNs, the connect stays pending.
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<java.nio.channels.SocketChannel> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.nio.channels.SocketChannel f = java.nio.channels.SocketChannel.open();
                    f.configureBlocking(false);
                    f.connect(full.getLocalSocketAddress());
                    fillers.add(f);
                }
                Thread.sleep(100);
                ChannelFuture connect = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                        .handler(new ChannelInboundHandlerAdapter())
                        .connect(full.getLocalSocketAddress());
                assertFalse(connect.await(200, TimeUnit.MILLISECONDS), "connected to a full listener?");
                connect.channel().close().sync();
                assertTrue(connect.await(5, TimeUnit.SECONDS), "connect future still pending after close");
                assertInstanceOf(java.nio.channels.ClosedChannelException.class, connect.cause());
            } finally {
                for (java.nio.channels.SocketChannel f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void buffersWhoseNioViewDoesNotStartAtZeroAreWrittenExactly() throws Exception {
        byte[] expected = new byte[64 * 1024];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 31 + 7);
        }
        CompletableFuture<byte[]> got = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    private final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        byte[] chunk = new byte[b.readableBytes()];
                        b.readBytes(chunk);
                        b.release();
                        all.writeBytes(chunk);
                        if (all.size() >= expected.length) {
                            got.complete(all.toByteArray());
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
        // Slices of a read-only direct buffer (no memory address: written through NIO views whose
        // position is the slice's offset), alone and as components of a composite.
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(expected.length);
        direct.put(expected).flip();
        ByteBuf whole = Unpooled.wrappedBuffer(direct.asReadOnlyBuffer());
        int a = 1000;
        int b = 30_000;
        ByteBuf first = whole.retainedSlice(0, a);
        ByteBuf second = Unpooled.wrappedBuffer(whole.retainedSlice(a, b - a),
                whole.retainedSlice(b, expected.length - b));
        whole.release();
        client.write(first);
        client.writeAndFlush(second).sync();
        assertArrayEquals(expected, got.get(20, TimeUnit.SECONDS));
        client.close().sync();
        server.close().sync();
    }

    @Test
    void lingeringCloseDoesNotBlockTheLoop() throws Exception {
        CompletableFuture<Channel> child = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childOption(ChannelOption.SO_LINGER, 3)
                .childOption(ChannelOption.SO_SNDBUF, 64 * 1024)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        child.complete(ctx.channel());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket peer = new Socket()) {
            peer.setReceiveBufferSize(4096);
            peer.connect(server.localAddress());
            Channel ch = child.get(10, TimeUnit.SECONDS);
            // Unsent data that the peer never reads: close(2) with SO_LINGER waits for it.
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[4 * 1024 * 1024]));
            Thread.sleep(200);
            long start = System.nanoTime();
            ch.close();
            CompletableFuture<Long> loopFree = new CompletableFuture<>();
            ch.eventLoop().execute(() -> loopFree.complete(System.nanoTime()));
            long ranAfterMs = TimeUnit.NANOSECONDS.toMillis(loopFree.get(10, TimeUnit.SECONDS) - start);
            assertTrue(ranAfterMs < 1000, "the event loop was blocked for " + ranAfterMs + " ms by close");
            assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS));
            assertFalse(ch.isOpen());
        }
        server.close().sync();
    }

    @Test
    void badOptionValueIsAClearErrorAndTheChannelStaysUsable() throws Exception {
        KQueueFfmSocketChannel ch = new KQueueFfmSocketChannel();
        try {
            io.netty.channel.ChannelException e = assertThrows(io.netty.channel.ChannelException.class,
                    () -> ch.config().setTrafficClass(1000));
            assertTrue(e.getMessage().contains("IP_TOS"), e.getMessage());
            assertThrows(io.netty.channel.ChannelException.class, () -> ch.config().setReceiveBufferSize(-1));
            ch.config().setTcpNoDelay(false);
            assertFalse(ch.config().isTcpNoDelay());
            ch.config().setKeepAlive(true);
            assertTrue(ch.config().isKeepAlive());
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void lingeringCloseInsideChannelReadEndsTheReadLoopCleanly() throws Exception {
        List<Throwable> caught = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Channel> closed = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childOption(ChannelOption.SO_LINGER, 1)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        ctx.close();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        caught.add(cause);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        closed.complete(ctx.channel());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            // Far more than one read buffer: the read loop would go on after the first channelRead.
            peer.getOutputStream().write(new byte[256 * 1024]);
        } catch (IOException ignore) {
            // The peer's write may meet the end of the connection: not what this test is about.
        }
        try {
            closed.get(10, TimeUnit.SECONDS);
        } finally {
            server.close().sync();
        }
        // Like epoll (ClosedChannelException) or NIO (nothing); never the NullPointerException of a
        // read loop that went on after the channel left the loop.
        assertTrue(caught.stream().allMatch(t -> t instanceof java.nio.channels.ClosedChannelException),
                String.valueOf(caught));
    }

    @Test
    void writeWhileDeregisteredIsSentAfterReregistration() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 4, java.net.InetAddress.getByName("127.0.0.1"))) {
            Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            try (Socket peer = listener.accept()) {
                client.deregister().sync();
                ChannelFuture first = client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
                // The write runs on the loop the channel left: let it run there before re-registering.
                client.eventLoop().submit(() -> { }).sync();
                group.next().register(client).sync();
                ChannelFuture second = client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {4, 5}));
                assertTrue(second.await(10, TimeUnit.SECONDS));
                assertTrue(first.isSuccess(), String.valueOf(first.cause()));
                assertTrue(second.isSuccess(), String.valueOf(second.cause()));
                byte[] got = new byte[5];
                peer.setSoTimeout(10_000);
                InputStream in = peer.getInputStream();
                for (int n = 0; n < got.length; ) {
                    int r = in.read(got, n, got.length - n);
                    assertTrue(r > 0, "stream ended after " + n + " bytes");
                    n += r;
                }
                assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, got);
                assertTrue(client.isActive());
            } finally {
                client.close().sync();
            }
        }
    }

    @Test
    void oversizedRawOptionIsAChannelException() throws Exception {
        KQueueFfmSocketChannel ch = new KQueueFfmSocketChannel();
        try {
            io.netty.channel.unix.RawUnixChannelOption option =
                    new io.netty.channel.unix.RawUnixChannelOption("BIG", 0xFFFF, 0x1001, 4096);
            assertThrows(io.netty.channel.ChannelException.class,
                    () -> ch.config().setOption(option, java.nio.ByteBuffer.allocate(4096)));
            ch.config().setTcpNoDelay(true);
            assertTrue(ch.config().isTcpNoDelay());
        } finally {
            ch.unsafe().closeForcibly();
        }
    }
}
