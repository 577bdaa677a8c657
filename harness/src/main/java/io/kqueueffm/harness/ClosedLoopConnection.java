package io.kqueueffm.harness;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A connection that writes a batch of {@code batchSize} requests and writes the next batch when
 * all their responses are in, every response being {@code responseLength} bytes: keep-alive and
 * pipelined HTTP (fixed-size responses) and echo (the response is the request) alike. Each
 * response's latency is counted from its batch's write.
 */
final class ClosedLoopConnection extends ChannelInboundHandlerAdapter {
    private final LoadRun run;
    private final ByteBuf batch;
    private final int batchSize;
    private final int responseLength;
    private LoadRun.Stats stats;
    private long batchStart;
    private int outstanding;
    private long pendingBytes;

    /** {@code batch} must be unreleasable: each write sends a duplicate of it. */
    ClosedLoopConnection(LoadRun run, ByteBuf batch, int batchSize, int responseLength) {
        this.run = run;
        this.batch = batch;
        this.batchSize = batchSize;
        this.responseLength = responseLength;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats = run.stats(ctx.channel().eventLoop());
        send(ctx);
    }

    private void send(ChannelHandlerContext ctx) {
        if (!run.proceed(stats)) {
            return;
        }
        outstanding = batchSize;
        batchStart = System.nanoTime();
        ctx.writeAndFlush(batch.duplicate(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        pendingBytes += buf.readableBytes();
        buf.release();
        while (pendingBytes >= responseLength && outstanding > 0) {
            pendingBytes -= responseLength;
            outstanding--;
            run.completed(stats, batchStart);
        }
        if (outstanding == 0) {
            send(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!run.stopped()) {
            run.failed(stats);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
