package io.kqueueffm.harness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Connection churn: {@code concurrency} slots, each connecting, sending one request with
 * {@code Connection: close} and waiting for the server to close before connecting again. The
 * server closes first, so TIME_WAIT stays on its side and the client's ephemeral ports do not run
 * out in a long run. Latency is connect start to close.
 */
final class ChurnWorkload extends HttpWorkload {
    ChurnWorkload(String id, String title, int concurrency) {
        super(id, title, concurrency, 1);
    }

    @Override
    String unit() {
        return "conn/s";
    }

    @Override
    void start(LoadRun run) throws Exception {
        InetSocketAddress target = (InetSocketAddress) run.target;
        byte[] one = HttpWorkload.request(target, true);
        int responseLength = HttpWorkload.probeResponseLength(target, one);
        ByteBuf request = Unpooled.unreleasableBuffer(Unpooled.directBuffer(one.length).writeBytes(one));
        for (int i = 0; i < connections; i++) {
            connect(run, request, responseLength);
        }
    }

    private static void connect(LoadRun run, ByteBuf request, int responseLength) {
        if (run.stopped()) {
            return;
        }
        long start = System.nanoTime();
        ChannelFuture f = run.bootstrap().handler(new Once(run, request, responseLength, start)).connect(run.target);
        Channel ch = f.channel();
        run.track(ch);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                LoadRun.Stats s = run.stats(ch.eventLoop());
                run.failed(s);
                // Back off so that a refusing server does not turn this into a connect spin.
                ch.eventLoop().schedule(() -> connect(run, request, responseLength), 10, TimeUnit.MILLISECONDS);
            }
        });
    }

    private static final class Once extends ChannelInboundHandlerAdapter {
        private final LoadRun run;
        private final ByteBuf request;
        private final int responseLength;
        private final long start;
        private LoadRun.Stats stats;
        private long received;
        private boolean sent;

        Once(LoadRun run, ByteBuf request, int responseLength, long start) {
            this.run = run;
            this.request = request;
            this.responseLength = responseLength;
            this.start = start;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            stats = run.stats(ctx.channel().eventLoop());
            if (run.proceed(stats)) {
                sent = true;
                ctx.writeAndFlush(request.duplicate(), ctx.voidPromise());
            } else {
                ctx.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (run.stopped() || !sent) {
                return;
            }
            if (received >= responseLength) {
                run.completed(stats, start);
            } else {
                run.failed(stats);
            }
            connect(run, request, responseLength);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
