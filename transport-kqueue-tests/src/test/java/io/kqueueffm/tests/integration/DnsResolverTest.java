package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Name resolution through this transport's datagram channel, as Reactor Netty, Vert.x and Netty's own
 * clients set it up: Netty's {@link DnsNameResolver} on our loop, asking a DNS server this test runs
 * on 127.0.0.1 (on NIO, so that the two sides are independent). The server answers one name with
 * 127.0.0.1, refuses another, and never answers a third.
 */
@Timeout(60)
class DnsResolverTest {
    private static final String ANSWERED = "service.kqueueffm.test";
    private static final String REFUSED = "refused.kqueueffm.test";
    private static final String SILENT = "silent.kqueueffm.test";

    private static EventLoopGroup group;
    private static EventLoopGroup serverGroup;
    private static Channel dnsServer;
    private static final AtomicInteger queries = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        dnsServer = new Bootstrap().group(serverGroup).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new TinyDnsServer());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterAll
    static void stop() {
        dnsServer.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers A queries for {@link #ANSWERED}, refuses {@link #REFUSED}, drops {@link #SILENT}. */
    private static final class TinyDnsServer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DnsQuestion q = query.recordAt(DnsSection.QUESTION);
            String name = q.name().endsWith(".") ? q.name().substring(0, q.name().length() - 1) : q.name();
            if (name.equals(SILENT)) {
                return;
            }
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, q);
            if (name.equals(ANSWERED) && q.type() == DnsRecordType.A) {
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), DnsRecordType.A, 60,
                        Unpooled.wrappedBuffer(new byte[] {127, 0, 0, 1})));
            } else if (name.equals(REFUSED)) {
                response.setCode(DnsResponseCode.REFUSED);
            } else {
                response.setCode(DnsResponseCode.NXDOMAIN);
            }
            ctx.writeAndFlush(response);
        }
    }

    private static DnsNameResolverBuilder builder(EventLoop loop) {
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(KQueueFfmDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(
                        (InetSocketAddress) dnsServer.localAddress()))
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
                .searchDomains(List.of())
                .ndots(1)
                .resolveCache(NoopDnsCache.INSTANCE)
                .queryTimeoutMillis(500)
                .maxQueriesPerResolve(1);
    }

    @Test
    void resolvesThroughOurDatagramChannel() throws Exception {
        EventLoop loop = group.next();
        DnsNameResolver resolver = builder(loop).build();
        try {
            Future<InetAddress> answered = resolver.resolve(ANSWERED).await();
            assertTrue(answered.isSuccess(), () -> "resolve failed: " + answered.cause());
            assertEquals(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), answered.getNow());

            Future<InetAddress> refused = resolver.resolve(REFUSED).await();
            assertInstanceOf(UnknownHostException.class, refused.cause());
            assertTrue(refused.cause().getMessage().contains(REFUSED), refused.cause().getMessage());

            int before = queries.get();
            Future<InetAddress> silent = resolver.resolve(SILENT).await();
            assertInstanceOf(UnknownHostException.class, silent.cause());
            assertTrue(hasCause(silent.cause(), DnsNameResolverTimeoutException.class),
                    () -> "expected a query timeout: " + silent.cause());
            assertTrue(queries.get() > before, "the silent name was asked");

            // The channel keeps working after a timeout.
            assertTrue(resolver.resolve(ANSWERED).await().isSuccess());
        } finally {
            resolver.close();
        }
    }

    @Test
    void bootstrapConnectsToAResolvedName() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Unpooled.copiedBuffer("hi", CharsetUtil.US_ASCII));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        DnsAddressResolverGroup resolvers = new DnsAddressResolverGroup(builder(group.next()));
        try {
            CompletableFuture<String> greeting = new CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                    .resolver(resolvers)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            greeting.complete(((ByteBuf) msg).toString(CharsetUtil.US_ASCII));
                            ((ByteBuf) msg).release();
                        }
                    })
                    .connect(InetSocketAddress.createUnresolved(ANSWERED,
                            ((InetSocketAddress) server.localAddress()).getPort())).sync().channel();
            assertEquals("hi", greeting.get(10, TimeUnit.SECONDS));
            assertEquals(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}),
                    ((InetSocketAddress) client.remoteAddress()).getAddress());
            client.close().sync();
        } finally {
            resolvers.close();
            server.close().sync();
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
