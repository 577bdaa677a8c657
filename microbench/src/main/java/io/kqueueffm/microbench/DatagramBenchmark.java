package io.kqueueffm.microbench;

import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ResourceLeakDetector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * UDP over loopback, both ends on the transport named, one loop thread each, pooled direct buffers:
 * <ul>
 *   <li>{@code pingPong}: one 1-byte datagram to an echoing server and back, started from the
 *       benchmark thread (a cross-thread wakeup, a send and a receive on each side);</li>
 *   <li>{@code burst}: 1,000 datagrams of 64 bytes written and flushed at once, until the last write
 *       completes (the server reads them as they come; datagrams the kernel drops under the burst do
 *       not stall the measure). Reported per datagram.</li>
 * </ul>
 * With {@code -prof gc}, {@code gc.alloc.rate.norm} is what each transport allocates per operation on
 * both ends: the packets and buffers Netty's API requires, plus the transport's own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DatagramBenchmark {
    static final int BURST = 1000;
    static final int SPINS = 100;

    @Param({"kqueue-ffm", "nio", "epoll"})
    public String transport;

    EventLoopGroup serverGroup;
    EventLoopGroup clientGroup;
    Channel server;
    Channel client;
    EventLoop clientLoop;
    Pinger pinger;
    long issued;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        IoHandlerFactory factory;
        Class<? extends Channel> channelClass;
        switch (transport) {
            case "kqueue-ffm" -> {
                factory = KQueueFfmIoHandler.newFactory();
                channelClass = KQueueFfmDatagramChannel.class;
            }
            case "nio" -> {
                factory = NioIoHandler.newFactory();
                channelClass = NioDatagramChannel.class;
            }
            case "epoll" -> {
                // By reflection: netty-transport-native-epoll is only on the class path on Linux.
                factory = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                        .getMethod("newFactory").invoke(null);
                channelClass = Class.forName("io.netty.channel.epoll.EpollDatagramChannel").asSubclass(Channel.class);
            }
            default -> throw new IllegalArgumentException(transport);
        }
        ByteBufAllocator alloc = new PooledByteBufAllocator(true);
        serverGroup = new MultiThreadIoEventLoopGroup(1, factory);
        clientGroup = new MultiThreadIoEventLoopGroup(1, factory);
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
        server = new Bootstrap().group(serverGroup).channel(channelClass)
                .option(ChannelOption.ALLOCATOR, alloc)
                .handler(new Echo()).bind(loopback).sync().channel();
        pinger = new Pinger(alloc, (InetSocketAddress) server.localAddress());
        client = new Bootstrap().group(clientGroup).channel(channelClass)
                .option(ChannelOption.ALLOCATOR, alloc)
                .handler(pinger).bind(loopback).sync().channel();
        clientLoop = client.eventLoop();
        pinger.channel = client;
        issued = pinger.completed;
        pingPong();
        burst();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close().sync();
        server.close().sync();
        clientLoop.submit(pinger::release).sync();
        clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }

    @Benchmark
    public long pingPong() {
        clientLoop.execute(pinger.pingTask);
        return pinger.await(++issued);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long burst() {
        clientLoop.execute(pinger.burstTask);
        return pinger.await(++issued);
    }

    /** Echoes pings (1 byte) back to their sender; drops the burst's datagrams. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            if (p.content().readableBytes() == 1) {
                ctx.write(new DatagramPacket(p.content(), p.sender()), ctx.voidPromise());
            } else {
                p.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** The client: loop-confined but for {@link #completed} and {@link #waiter}. */
    static final class Pinger extends ChannelInboundHandlerAdapter {
        final ByteBuf ping;
        final ByteBuf payload;
        final InetSocketAddress server;
        Channel channel;
        volatile long completed;
        volatile Thread waiter;
        int pendingWrites;
        final Runnable pingTask;
        final Runnable burstTask;
        final ChannelFutureListener burstWritten = this::burstWritten;

        Pinger(ByteBufAllocator alloc, InetSocketAddress server) {
            this.server = server;
            ping = alloc.directBuffer(1).writeByte('x');
            payload = alloc.directBuffer(64).writeZero(64);
            pingTask = () -> channel.writeAndFlush(new DatagramPacket(ping.retainedDuplicate(), server),
                    channel.voidPromise());
            burstTask = () -> {
                pendingWrites = BURST;
                for (int i = 0; i < BURST; i++) {
                    channel.write(new DatagramPacket(payload.retainedDuplicate(), server)).addListener(burstWritten);
                }
                channel.flush();
            };
        }

        private void burstWritten(ChannelFuture f) {
            if (--pendingWrites == 0) {
                complete();
            }
        }

        void release() {
            ping.release();
            payload.release();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((DatagramPacket) msg).release();
            complete();
        }

        private void complete() {
            completed++; // single writer: the loop
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        /** Waits for operation {@code target}; a datagram lost on the way ends the run after 10 s. */
        long await(long target) {
            int spins = 0;
            long deadline = 0;
            while (completed < target) {
                if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (deadline == 0) {
                        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    } else if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no answer within 10 s: a datagram was lost");
                    }
                    if (completed < target) {
                        LockSupport.parkNanos(this, 100_000_000L);
                    }
                }
            }
            return target;
        }
    }
}
