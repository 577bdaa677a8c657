package io.kqueueffm.microbench;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
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
 * Loopback TCP echo through a whole Netty pipeline, both ends on the same transport: a server group
 * with 1 thread (acceptor and the accepted channel) and a client group with 1 thread.
 *
 * <ul>
 *   <li>{@code pingPong}: the benchmark thread hands a task to the client loop (a preallocated
 *       Runnable through {@link EventLoop#execute}: this includes the IoHandler's wakeup), the client
 *       writes 1 byte, the server echoes it, the client signals the benchmark thread (short spin then
 *       park/unpark, no allocation).</li>
 *   <li>{@code pingPongInLoop}: 100 round trips chained inside the client loop per invocation (one
 *       handoff per 100), i.e. the transport's round trip without the cross-thread wakeup.</li>
 *   <li>{@code echo64k}: client writes 64 KiB in one buffer, waits until all 64 KiB came back.</li>
 * </ul>
 *
 * Client buffers are allocated once and re-sent (retain + reset readerIndex, safe because the next
 * op starts only after the whole echo came back), so {@code gc.alloc.rate.norm} is what the
 * transport, the pipeline and the echo server allocate. Server handler echoes the received buffer
 * with ctx.write(msg) and flushes on channelReadComplete. Allocator: pooled direct on both sides;
 * TCP_NODELAY; resource leak detection disabled.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TransportBenchmark {
    static final int BATCH = 100;
    static final int ECHO_SIZE = 64 * 1024;
    /** onSpinWait iterations before parking: small, the machine has 2 cores for 3 busy threads. */
    static final int SPINS = 100;

    @Param({"kqueue-ffm", "nio", "epoll"})
    public String transport;

    EventLoopGroup serverGroup;
    EventLoopGroup clientGroup;
    Channel serverChannel;
    Channel clientChannel;
    EventLoop clientLoop;
    Client client;
    long issued;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        IoHandlerFactory factory;
        Class<? extends ServerChannel> serverClass;
        Class<? extends Channel> clientClass;
        switch (transport) {
            case "kqueue-ffm" -> {
                factory = KQueueFfmIoHandler.newFactory();
                serverClass = KQueueFfmServerSocketChannel.class;
                clientClass = KQueueFfmSocketChannel.class;
            }
            case "nio" -> {
                factory = NioIoHandler.newFactory();
                serverClass = NioServerSocketChannel.class;
                clientClass = NioSocketChannel.class;
            }
            case "epoll" -> {
                // By reflection: netty-transport-native-epoll is only on the class path on Linux.
                factory = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                        .getMethod("newFactory").invoke(null);
                serverClass = Class.forName("io.netty.channel.epoll.EpollServerSocketChannel")
                        .asSubclass(ServerChannel.class);
                clientClass = Class.forName("io.netty.channel.epoll.EpollSocketChannel").asSubclass(Channel.class);
            }
            default -> throw new IllegalArgumentException(transport);
        }
        ByteBufAllocator alloc = new PooledByteBufAllocator(true);
        serverGroup = new MultiThreadIoEventLoopGroup(1, factory);
        clientGroup = new MultiThreadIoEventLoopGroup(1, factory);
        serverChannel = new ServerBootstrap()
                .group(serverGroup)
                .channel(serverClass)
                .option(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new EchoServer())
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        client = new Client(alloc);
        clientChannel = new Bootstrap()
                .group(clientGroup)
                .channel(clientClass)
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(client)
                .connect(serverChannel.localAddress()).sync().channel();
        clientLoop = clientChannel.eventLoop();
        // The handler's ctx is set in channelActive, on the loop; wait for it.
        while (client.ctx == null) {
            Thread.onSpinWait();
        }
        issued = client.completed;
        // Sanity: one of each.
        pingPong();
        echo64k();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (clientChannel != null) {
            clientChannel.close().sync();
        }
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        if (client != null) {
            clientLoop.submit(client::releaseBuffers).sync();
        }
        if (clientGroup != null) {
            clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        if (serverGroup != null) {
            serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    @Benchmark
    public long pingPong() {
        clientLoop.execute(client.pingTask);
        return client.await(++issued);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long pingPongInLoop() {
        clientLoop.execute(client.batchTask);
        return client.await(++issued);
    }

    @Benchmark
    public long echo64k() {
        clientLoop.execute(client.echoTask);
        return client.await(++issued);
    }

    @ChannelHandler.Sharable
    static final class EchoServer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }
    }

    /** Client handler; all fields but {@link #completed} and {@link #waiter} are loop-confined. */
    static final class Client extends ChannelInboundHandlerAdapter {
        final ByteBuf ping;
        final ByteBuf payload;
        volatile ChannelHandlerContext ctx;
        volatile long completed;
        volatile Thread waiter;
        int expected;
        int received;
        int remainingPings;

        final Runnable pingTask;
        final Runnable batchTask;
        final Runnable echoTask;

        Client(ByteBufAllocator alloc) {
            ping = alloc.directBuffer(1);
            ping.writeByte('x');
            payload = alloc.directBuffer(ECHO_SIZE);
            for (int i = 0; i < ECHO_SIZE; i++) {
                payload.writeByte(i);
            }
            pingTask = () -> {
                remainingPings = 1;
                send(ping, 1);
            };
            batchTask = () -> {
                remainingPings = BATCH;
                send(ping, 1);
            };
            echoTask = () -> {
                remainingPings = 0;
                send(payload, ECHO_SIZE);
            };
        }

        void send(ByteBuf buf, int size) {
            expected = size;
            received = 0;
            buf.retain().readerIndex(0);
            ctx.writeAndFlush(buf, ctx.voidPromise());
        }

        void releaseBuffers() {
            ping.release();
            payload.release();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received += b.readableBytes();
            b.release();
            if (received < expected) {
                return;
            }
            if (received > expected) {
                throw new IllegalStateException("received " + received + " > expected " + expected);
            }
            if (--remainingPings > 0) {
                send(ping, 1);
                return;
            }
            completed++; // single writer: the loop
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }

        long await(long target) {
            int spins = 0;
            while (completed < target) {
                if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (completed < target) {
                        LockSupport.parkNanos(this, 1_000_000_000L);
                        if (completed < target && !ctx.channel().isActive()) {
                            throw new IllegalStateException("connection closed");
                        }
                    }
                }
            }
            return target;
        }
    }
}
