package io.kqueueffm.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * UDP echo: {@code senders} connected datagram channels, each keeping {@code window} datagrams of
 * {@code size} bytes in flight, so the load is bounded and loopback never has to drop. Each
 * in-flight slot is a ping-pong of its own: its datagram carries the slot and a generation, and the
 * echo of the current generation completes an operation and sends the slot's next datagram. A
 * slot unanswered for {@link #LOSS_TIMEOUT_MS} counts an error (a loss) and is sent again with a
 * new generation, so a lost datagram never stalls the run and a late echo is not counted twice.
 */
final class UdpEchoWorkload extends Workload {
    static final long LOSS_TIMEOUT_MS = 200;
    private static final long SWEEP_MS = 50;

    private final int senders;
    private final int window;
    private final int size;

    UdpEchoWorkload(String id, String title, int senders, int window, int size) {
        super(id, title);
        if (size < 8) {
            throw new IllegalArgumentException("a datagram carries an 8-byte slot and generation");
        }
        this.senders = senders;
        this.window = window;
        this.size = size;
    }

    @Override
    String service() {
        return "udp";
    }

    @Override
    Optional<String> unsupported(Transport t) {
        return t.datagramChannel == null ? Optional.of("no datagram channel") : Optional.empty();
    }

    /** Same options on every transport, as for the TCP endpoints. */
    @Override
    Channel bindServer(EventLoopGroup group, Transport transport, Path dir) throws Exception {
        return new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel)
                .handler(new Echo())
                .bind("127.0.0.1", 0).sync().channel();
    }

    @Override
    int payloadBytes() {
        return size;
    }

    @Override
    String unit() {
        return "op/s";
    }

    @Override
    void start(LoadRun run) throws Exception {
        if (run.transport.datagramChannel == null) {
            throw new IllegalStateException("the load client's transport " + run.transport.id
                    + " has no datagram channel");
        }
        List<ChannelFuture> connects = new ArrayList<>(senders);
        for (int i = 0; i < senders; i++) {
            connects.add(new Bootstrap()
                    .group(run.group)
                    .channel(run.transport.datagramChannel)
                    .handler(new Sender(run, window, size))
                    .connect(run.target, new InetSocketAddress("127.0.0.1", 0)));
        }
        for (ChannelFuture f : connects) {
            run.track(f.sync().channel());
        }
    }

    /** Sends each datagram back to its sender, one flush per read batch, like the TCP echo. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            ctx.write(new DatagramPacket(p.content(), p.sender()), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A failed send (a sender gone: port unreachable) costs that datagram, not the endpoint.
        }
    }

    /** One connected sender; all of its state is touched on its channel's event loop only. */
    private static final class Sender extends ChannelInboundHandlerAdapter {
        private final LoadRun run;
        private final int size;
        private final long[] sentAt;
        private final int[] generation;
        private LoadRun.Stats stats;
        private ScheduledFuture<?> sweeper;

        Sender(LoadRun run, int window, int size) {
            this.run = run;
            this.size = size;
            this.sentAt = new long[window];
            this.generation = new int[window];
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            stats = run.stats(ctx.channel().eventLoop());
            for (int slot = 0; slot < sentAt.length; slot++) {
                send(ctx, slot);
            }
            sweeper = ctx.channel().eventLoop().scheduleAtFixedRate(() -> sweep(ctx), SWEEP_MS, SWEEP_MS,
                    TimeUnit.MILLISECONDS);
        }

        private void send(ChannelHandlerContext ctx, int slot) {
            if (!run.proceed(stats)) {
                sentAt[slot] = 0;
                return;
            }
            int gen = ++generation[slot];
            ByteBuf b = ctx.alloc().directBuffer(size);
            b.writeInt(slot).writeInt(gen).writeZero(size - 8);
            sentAt[slot] = System.nanoTime();
            // A failed send is not reported here: the slot times out and is sent again.
            ctx.writeAndFlush(b, ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf in = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
                if (in.readableBytes() != size) {
                    return;
                }
                int slot = in.getInt(in.readerIndex());
                int gen = in.getInt(in.readerIndex() + 4);
                if (slot < 0 || slot >= sentAt.length || gen != generation[slot] || sentAt[slot] == 0) {
                    return; // a late echo of a datagram already counted lost and sent again
                }
                run.completed(stats, sentAt[slot]);
                send(ctx, slot);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        /** Counts the slots unanswered for the loss timeout as lost, and sends them again. */
        private void sweep(ChannelHandlerContext ctx) {
            if (run.stopped()) {
                sweeper.cancel(false);
                return;
            }
            long now = System.nanoTime();
            for (int slot = 0; slot < sentAt.length; slot++) {
                if (sentAt[slot] != 0 && now - sentAt[slot] > TimeUnit.MILLISECONDS.toNanos(LOSS_TIMEOUT_MS)) {
                    run.failed(stats);
                    send(ctx, slot);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (sweeper != null) {
                sweeper.cancel(false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Port unreachable while the server is not there yet: the slot's timeout re-sends.
        }
    }
}
