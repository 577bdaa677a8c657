package io.kqueueffm.tests.integration;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.channel.KQueueFfmIoEvent;
import io.kqueueffm.channel.KQueueFfmIoHandle;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmIoOps;
import io.kqueueffm.event.Kqueue;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.ManualIoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop's contract: deadlines, wakeups, manual loops, small event lists, loop type checks. */
@Timeout(60)
class IoHandlerTest {

    @Test
    void manualLoopRunsScheduledTasksAtTheirDeadline() throws Exception {
        ManualIoEventLoop loop = new ManualIoEventLoop(Thread.currentThread(), KQueueFfmIoHandler.newFactory());
        try {
            AtomicBoolean ran = new AtomicBoolean();
            long start = System.nanoTime();
            loop.schedule(() -> ran.set(true), 100, TimeUnit.MILLISECONDS);
            // Blocks in kevent until the EVFILT_TIMER for the deadline fires.
            while (!ran.get()) {
                loop.run(0);
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMs >= 95, "ran after " + elapsedMs + " ms");
            // A deadline in the past runs at once; a far one (a day) does not block the nearer one.
            loop.schedule(() -> { }, 1, TimeUnit.DAYS);
            AtomicBoolean past = new AtomicBoolean();
            loop.schedule(() -> past.set(true), 0, TimeUnit.MILLISECONDS);
            while (!past.get()) {
                loop.run(0);
            }
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            while (!loop.isTerminated()) {
                loop.runNow();
            }
        }
    }

    @Test
    void wakeupFromAnotherThreadEndsABlockingWait() throws Exception {
        ManualIoEventLoop loop = new ManualIoEventLoop(Thread.currentThread(), KQueueFfmIoHandler.newFactory());
        try {
            loop.runNow();
            AtomicBoolean ran = new AtomicBoolean();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ignore) {
                    return;
                }
                loop.execute(() -> ran.set(true));
            });
            t.start();
            long start = System.nanoTime();
            while (!ran.get()) {
                loop.run(TimeUnit.SECONDS.toNanos(20));
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
            t.join();
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            while (!loop.isTerminated()) {
                loop.runNow();
            }
        }
    }

    @Test
    void scheduledTaskAfterCancelledEarlierOneStillRuns() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        try {
            CountDownLatch latch = new CountDownLatch(1);
            ScheduledFuture<?> early = group.next().schedule(() -> { }, 50, TimeUnit.MILLISECONDS);
            group.next().schedule(latch::countDown, 150, TimeUnit.MILLISECONDS);
            early.cancel(false);
            assertTrue(latch.await(5, TimeUnit.SECONDS));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void tinyEventListStillDeliversEveryChannelsEvents() throws Exception {
        // maxEvents = 2 with 20 connections all ready at once: the rest come on later turns.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory(2));
        try {
            int n = 20;
            CountDownLatch received = new CountDownLatch(n);
            AtomicInteger accepted = new AtomicInteger();
            Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.incrementAndGet();
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ReferenceCountUtil.release(msg);
                                    received.countDown();
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<Channel> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                        .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel());
            }
            for (Channel c : clients) {
                c.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
            }
            assertTrue(received.await(20, TimeUnit.SECONDS), received.getCount() + " not received");
            assertEquals(n, accepted.get());
            for (Channel c : clients) {
                c.close().sync();
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void channelRefusesAnIncompatibleLoop() throws Exception {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            KQueueFfmSocketChannel ch = new KQueueFfmSocketChannel();
            Throwable cause = nio.register(ch).await().cause();
            assertTrue(cause instanceof IllegalStateException, String.valueOf(cause));
            assertTrue(cause.getMessage().contains("incompatible event loop"), cause.getMessage());
            assertFalse(ch.isRegistered());
            ch.unsafe().closeForcibly();
            assertThrows(IllegalArgumentException.class, () -> KQueueFfmIoHandler.newFactory(-1));
        } finally {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A user handle on ident 0: the ident the loop's own timer and wakeup once used. */
    private static final class IdentZeroHandle implements KQueueFfmIoHandle {
        final java.util.concurrent.LinkedBlockingQueue<Short> filters = new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public int ident() {
            return 0;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            filters.add(((KQueueFfmIoEvent) ioEvent).filter());
        }

        @Override
        public void close() {
        }
    }

    @Test
    void userTimerOnIdentZeroLeavesTheLoopsDeadlineAlone() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        try {
            IoEventLoop loop = (IoEventLoop) group.next();
            IdentZeroHandle handle = new IdentZeroHandle();
            IoRegistration reg = loop.register(handle).sync().getNow();
            CountDownLatch ran = new CountDownLatch(1);
            loop.submit(() -> loop.schedule(ran::countDown, 300, TimeUnit.MILLISECONDS)).sync();
            // The loop has armed its timer for that deadline; a user's one-shot timer far later must
            // not take its place.
            Thread.sleep(50);
            short timer = Kqueue.abi().evfiltTimer;
            loop.submit(() -> reg.submit(KQueueFfmIoOps.newOps(timer,
                    (short) (KeventAbi.EV_ADD | KeventAbi.EV_ONESHOT), 0, 30_000))).sync();
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the scheduled task never ran");
            // And the user's own short timer still reaches the user.
            loop.submit(() -> reg.submit(KQueueFfmIoOps.newOps(timer,
                    (short) (KeventAbi.EV_ADD | KeventAbi.EV_ONESHOT), 0, 10))).sync();
            assertEquals(Short.valueOf(timer), handle.filters.poll(10, TimeUnit.SECONDS));
            loop.submit(() -> reg.cancel()).sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void userEventOnIdentZeroLeavesTheLoopsWakeupAlone() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        try {
            IoEventLoop loop = (IoEventLoop) group.next();
            IoRegistration reg = loop.register(new IdentZeroHandle()).sync().getNow();
            short user = Kqueue.abi().evfiltUser;
            loop.submit(() -> {
                reg.submit(KQueueFfmIoOps.newOps(user, KeventAbi.EV_ADD, 0));
                reg.submit(KQueueFfmIoOps.newOps(user, KeventAbi.EV_DELETE, 0));
            }).sync();
            for (int i = 0; i < 5; i++) {
                // Let the loop go to sleep, then wake it from here: without its wakeup event it would
                // sleep on until its next timer (a second away when nothing is scheduled).
                Thread.sleep(100);
                long start = System.nanoTime();
                CompletableFuture<Long> ranAt = new CompletableFuture<>();
                loop.execute(() -> ranAt.complete(System.nanoTime()));
                long ms = TimeUnit.NANOSECONDS.toMillis(ranAt.get(10, TimeUnit.SECONDS) - start);
                assertTrue(ms < 500, "a cross-thread task waited " + ms + " ms for the loop to wake up");
            }
            loop.submit(() -> reg.cancel()).sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
