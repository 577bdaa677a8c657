package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A change the kernel refuses fails its channel rather than leaving it waiting for an event that
 * will never come. Under the emulation the first write knote of a kqueue needs a new fd (its write
 * epoll set), so a full fd table makes the kernel side refuse it with EMFILE.
 */
@Timeout(60)
class RefusedChangeTest {
    private static final int RLIMIT_NOFILE = 7;

    @Test
    void refusedWriteFilterFailsThePendingWriteAndClosesTheChannel() throws Throwable {
        assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"),
                "needs the emulation to make a change fail on demand");
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        // A loop of its own that has never watched a write: its first write knote needs a new fd.
        EventLoopGroup children = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        CompletableFuture<Channel> child = new CompletableFuture<>();
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(acceptor, children).channel(KQueueFfmServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            child.complete(ctx.channel());
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            caught.complete(cause);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try (Socket peer = new Socket()) {
                peer.setReceiveBufferSize(4096);
                peer.connect(server.localAddress());
                Channel ch = child.get(10, TimeUnit.SECONDS);
                ChannelFuture write;
                try (FdTableFull ignored = new FdTableFull()) {
                    // More than the socket buffers hold: the rest waits for the write filter.
                    write = ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024 * 1024]));
                    assertTrue(write.await(10, TimeUnit.SECONDS), "the pending write neither completed nor failed");
                }
                assertFalse(write.isSuccess());
                Throwable cause = caught.get(10, TimeUnit.SECONDS);
                assertTrue(String.valueOf(cause.getMessage()).contains("EMFILE"), String.valueOf(cause));
                assertNotNull(write.cause());
                assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS));
            } finally {
                server.close().sync();
            }
        } finally {
            children.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Lowers RLIMIT_NOFILE near the fds in use and opens files until none is left; undoes both on close. */
    private static final class FdTableFull implements AutoCloseable {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle GETRLIMIT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("getrlimit").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        private static final MethodHandle SETRLIMIT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("setrlimit").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

        private final Arena arena = Arena.ofConfined();
        private final MemorySegment saved = arena.allocate(16, 8);
        private final List<FileInputStream> fillers = new ArrayList<>();

        FdTableFull() throws Throwable {
            if ((int) GETRLIMIT.invokeExact(RLIMIT_NOFILE, saved) != 0) {
                throw new IllegalStateException("getrlimit failed");
            }
            MemorySegment low = arena.allocate(16, 8);
            long inUse = Fds.open();
            low.set(JAVA_LONG, 0, Math.min(inUse + 64, saved.get(JAVA_LONG, 0)));
            low.set(JAVA_LONG, 8, saved.get(JAVA_LONG, 8));
            if ((int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, low) != 0) {
                throw new IllegalStateException("setrlimit failed");
            }
            try {
                for (int i = 0; i < 100_000; i++) {
                    fillers.add(new FileInputStream("/dev/null"));
                }
                throw new IllegalStateException("the fd table never filled up");
            } catch (IOException full) {
                // "Too many open files": the state this test needs.
            }
        }

        @Override
        public void close() throws Exception {
            for (FileInputStream f : fillers) {
                f.close();
            }
            try {
                if ((int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, saved) != 0) {
                    throw new IllegalStateException("setrlimit (restore) failed");
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                arena.close();
            }
        }
    }
}
