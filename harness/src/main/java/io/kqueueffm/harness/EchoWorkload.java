package io.kqueueffm.harness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.nio.file.Path;

/**
 * TCP echo: each connection writes {@code size} bytes and writes again once all of them came
 * back. 1 byte on one connection is a ping-pong (a latency figure); 64 KiB is a throughput one.
 */
final class EchoWorkload extends Workload {
    private final int connections;
    private final int size;

    EchoWorkload(String id, String title, int connections, int size) {
        super(id, title);
        this.connections = connections;
        this.size = size;
    }

    @Override
    String service() {
        return "echo";
    }

    @Override
    Channel bindServer(EventLoopGroup group, Transport transport, Path dir) throws Exception {
        return ServerMain.bind(group, transport, new Echo());
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
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeZero(size));
        run.connectAll(connections, () -> new ClosedLoopConnection(run, payload, 1, size));
    }

    /** Writes back what it reads, one flush per read batch, like the HTTP handler. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
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
            ctx.close();
        }
    }
}
