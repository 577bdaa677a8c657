package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of short connections, so that fd numbers are reused while events for their previous
 * owners may still be in flight: each connection must only ever see its own bytes. Then the group
 * shuts down and every fd it opened must be closed.
 */
@Timeout(240)
class ChurnAndLeakTest {
    private static final int ROUNDS = 30;
    private static final int PER_ROUND = 100;

    @Test
    void fdReuseUnderChurnNeverCrossesChannelsAndNothingLeaks() throws Exception {
        long fdsBefore = Fds.open();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        try {
            // The server answers each connection with the token the client sent, then closes.
            Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.writeAndFlush(msg).addListener(f -> ctx.close());
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch done = new CountDownLatch(PER_ROUND);
                List<Channel> open = new ArrayList<>();
                for (int i = 0; i < PER_ROUND; i++) {
                    String token = String.format("token-%03d-%03d;", round, i);
                    StringBuilder got = new StringBuilder();
                    Channel c = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                            .handler(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(token.getBytes(CharsetUtil.US_ASCII)));
                                }

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    got.append(((ByteBuf) msg).toString(CharsetUtil.US_ASCII));
                                    ReferenceCountUtil.release(msg);
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    if (!token.contentEquals(got)) {
                                        errors.add("expected " + token + " got '" + got + "'");
                                    }
                                    done.countDown();
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    errors.add(token + " " + cause);
                                    ctx.close();
                                }
                            }).connect(server.localAddress()).sync().channel();
                    open.add(c);
                }
                assertTrue(done.await(60, TimeUnit.SECONDS), "round " + round + ": " + done.getCount() + " left");
                assertEquals(PER_ROUND, open.size());
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertEquals(List.of(), List.copyOf(errors));
        long fdsAfter = Fds.open();
        assertTrue(fdsAfter <= fdsBefore, "fds before " + fdsBefore + ", after " + fdsAfter);
    }
}
