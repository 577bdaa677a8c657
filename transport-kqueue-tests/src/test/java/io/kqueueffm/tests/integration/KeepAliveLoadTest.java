package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.kqueueffm.example.HttpServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 1,000 concurrent keep-alive connections x 100 requests each, client and server on this transport. */
@Timeout(300)
class KeepAliveLoadTest {
    private static final int CONNECTIONS = 1000;
    private static final int REQUESTS = 100;

    @Test
    void thousandConnectionsHundredRequestsEachWithoutError() throws Exception {
        HttpServer server = new HttpServer("127.0.0.1", 0, "kqueue-ffm", 2);
        InetSocketAddress addr = server.start();
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
        AtomicLong ok = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(CONNECTIONS);
        try {
            Bootstrap b = new Bootstrap().group(clients).channel(KQueueFfmSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1024),
                                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                                        private int sent;

                                        @Override
                                        public void channelActive(ChannelHandlerContext ctx) {
                                            send(ctx);
                                        }

                                        private void send(ChannelHandlerContext ctx) {
                                            sent++;
                                            DefaultFullHttpRequest req = new DefaultFullHttpRequest(
                                                    HttpVersion.HTTP_1_1, HttpMethod.GET, "/plaintext");
                                            req.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
                                            ctx.writeAndFlush(req);
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
                                            String body = res.content().toString(CharsetUtil.US_ASCII);
                                            if (res.status().code() != 200 || !"Hello, World!".equals(body)) {
                                                errors.add(res.status() + " " + body);
                                            } else {
                                                ok.incrementAndGet();
                                            }
                                            if (sent < REQUESTS) {
                                                send(ctx);
                                            } else {
                                                ctx.close();
                                            }
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            if (sent < REQUESTS) {
                                                errors.add("closed after " + sent + " requests");
                                            }
                                            done.countDown();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            errors.add(cause.toString());
                                            ctx.close();
                                        }
                                    });
                        }
                    });
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                channels.add(b.connect(addr).sync().channel());
            }
            assertTrue(done.await(240, TimeUnit.SECONDS), "connections still open: " + done.getCount());
            assertEquals(List.of(), List.copyOf(errors));
            assertEquals((long) CONNECTIONS * REQUESTS, ok.get());
            assertEquals(CONNECTIONS, channels.size());
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.stop();
        }
    }
}
