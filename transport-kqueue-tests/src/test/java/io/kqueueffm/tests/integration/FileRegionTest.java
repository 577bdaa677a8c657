package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** File regions: sendfile for DefaultFileRegion, bounded slices for every region, exact bytes. */
@Timeout(120)
class FileRegionTest {
    private static EventLoopGroup group;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static byte[] randomFile(Path p, int size) throws IOException {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        Files.write(p, b);
        return b;
    }

    /** A server that writes the region made by {@code region} to each connection, then closes it. */
    private static Channel serve(Function<Channel, FileRegion> region, CompletableFuture<ChannelFuture> written)
            throws InterruptedException {
        return new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ChannelFuture f = ctx.writeAndFlush(region.apply(ctx.channel()));
                        written.complete(f);
                        f.addListener(x -> ctx.close());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static byte[] readAll(Socket peer, int expected, boolean slowly) throws Exception {
        byte[] got = new byte[expected + 1];
        int n = 0;
        peer.setSoTimeout(30_000);
        InputStream in = peer.getInputStream();
        for (int reads = 0; reads < 10_000_000; reads++) {
            int r = in.read(got, n, Math.min(got.length - n, slowly ? 4096 : got.length - n));
            if (r < 0) {
                break;
            }
            n += r;
            if (slowly && reads % 64 == 0) {
                Thread.sleep(1);
            }
        }
        return Arrays.copyOf(got, n);
    }

    @Test
    void fileLargerThanTheSocketBuffersReachesASlowReaderExactly() throws Exception {
        int size = 8 << 20;
        byte[] content = randomFile(dir.resolve("large"), size);
        File file = dir.resolve("large").toFile();
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        Channel server = serve(ch -> new DefaultFileRegion(file, 0, size), written);
        try (Socket peer = new Socket()) {
            peer.setReceiveBufferSize(16 * 1024);
            peer.connect(server.localAddress());
            byte[] got = readAll(peer, size, true);
            assertEquals(size, got.length);
            assertArrayEquals(content, got);
            ChannelFuture f = written.get(10, TimeUnit.SECONDS);
            assertTrue(f.await(10, TimeUnit.SECONDS) && f.isSuccess(), String.valueOf(f.cause()));
        } finally {
            server.close().sync();
        }
    }

    @Test
    void positionAndCountInsideTheFileSendThatRangeOnly() throws Exception {
        byte[] content = randomFile(dir.resolve("range"), 300_000);
        File file = dir.resolve("range").toFile();
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        Channel server = serve(ch -> new DefaultFileRegion(file, 12_345, 200_000), written);
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            byte[] got = readAll(peer, 200_000, false);
            assertArrayEquals(Arrays.copyOfRange(content, 12_345, 212_345), got);
            assertTrue(written.get(10, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
            assertTrue(written.get().isSuccess(), String.valueOf(written.get().cause()));
        } finally {
            server.close().sync();
        }
    }

    @Test
    void aHugeRegionFromAPathLetsAShortTaskRunWhileItIsSent() throws Exception {
        Path sparse = dir.resolve("huge");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        assertTaskRunsDuringRegion(ch -> new DefaultFileRegion(sparse.toFile(), 0, 1L << 30), 1L << 30);
    }

    @Test
    void aHugeRegionFromAChannelLetsAShortTaskRunWhileItIsSent() throws Exception {
        Path sparse = dir.resolve("huge-channel");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        // Made from a FileChannel: no path to sendfile from, so the region is copied in slices.
        FileChannel fc = FileChannel.open(sparse, StandardOpenOption.READ);
        assertTaskRunsDuringRegion(ch -> new DefaultFileRegion(fc, 0, 1L << 30), 1L << 30);
    }

    /** A 1 ms task scheduled as the region starts must run before the region is through. */
    private static void assertTaskRunsDuringRegion(Function<Channel, FileRegion> region, long size) throws Exception {
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        CompletableFuture<Long> sentWhenTaskRan = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        FileRegion r = region.apply(ctx.channel());
                        ChannelFuture f = ctx.writeAndFlush(r);
                        written.complete(f);
                        ctx.executor().schedule(() -> sentWhenTaskRan.complete(f.isDone() ? size : r.transferred()),
                                1, TimeUnit.MILLISECONDS);
                        f.addListener(x -> ctx.close());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            // A reader that discards as fast as it can.
            long total = 0;
            byte[] buf = new byte[1 << 20];
            InputStream in = peer.getInputStream();
            peer.setSoTimeout(60_000);
            for (int r; total <= size && (r = in.read(buf)) >= 0; ) {
                total += r;
            }
            assertEquals(size, total);
            // Each turn sends at most WRITE_SPIN_COUNT slices (64 MiB with sendfile) and then yields,
            // so the task runs within a few turns of its deadline (4 turns seen on a loaded 2-vCPU
            // box); a loop held by the region ran it when two thirds of the region were through.
            long sent = sentWhenTaskRan.get(10, TimeUnit.SECONDS);
            assertTrue(sent <= size / 2, "the task ran only after " + sent + " of " + size + " bytes");
            assertTrue(written.get(10, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
            assertTrue(written.get().isSuccess(), String.valueOf(written.get().cause()));
        } finally {
            server.close().sync();
        }
    }

    /**
     * A region the user opened holds that file: it is what gets sent, even if the path now names
     * another file (NIO and epoll send from the region's own channel too).
     */
    @Test
    void openedRegionSendsTheFileItOpenedNotWhatThePathNamesNow() throws Exception {
        Path path = dir.resolve("replaced");
        Files.write(path, "AAAAAAAA".getBytes(StandardCharsets.US_ASCII));
        DefaultFileRegion region = new DefaultFileRegion(path.toFile(), 0, 8);
        region.open();
        Path other = dir.resolve("replacement");
        Files.write(other, "BBBBBBBB".getBytes(StandardCharsets.US_ASCII));
        Files.move(other, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        Channel server = serve(ch -> region, written);
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            assertEquals("AAAAAAAA", new String(readAll(peer, 8, false), StandardCharsets.US_ASCII));
            ChannelFuture f = written.get(10, TimeUnit.SECONDS);
            assertTrue(f.await(10, TimeUnit.SECONDS) && f.isSuccess(), String.valueOf(f.cause()));
        } finally {
            server.close().sync();
        }
    }

    /** A region released before it is written sends nothing and fails its write. */
    @Test
    void regionReleasedBeforeItIsWrittenIsNotSent() throws Exception {
        Path path = dir.resolve("released");
        Files.write(path, "CCCCCCCC".getBytes(StandardCharsets.US_ASCII));
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        Channel server = serve(ch -> {
            DefaultFileRegion region = new DefaultFileRegion(path.toFile(), 0, 8);
            region.release();
            return region;
        }, written);
        try (Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            assertEquals(0, readAll(peer, 8, false).length, "nothing of a released region is sent");
            ChannelFuture f = written.get(10, TimeUnit.SECONDS);
            assertTrue(f.await(10, TimeUnit.SECONDS));
            assertFalse(f.isSuccess(), "the write of a released region fails");
        } finally {
            server.close().sync();
        }
    }
}
