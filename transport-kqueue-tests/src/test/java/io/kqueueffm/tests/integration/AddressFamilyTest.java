package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Dual-stack sockets behave as NIO's and epoll's: the wildcard takes both families, addresses print alike. */
@Timeout(60)
class AddressFamilyTest {
    private static final InetAddress LOOPBACK6 = loopback6();
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static InetAddress loopback6() {
        try {
            InetAddress a = InetAddress.getByName("::1");
            return NetworkInterface.getByInetAddress(a) != null ? a : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void wildcardBindAcceptsIpv4AndIpv6Clients() throws Exception {
        assumeTrue(LOOPBACK6 != null, "no IPv6 loopback");
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter())
                .bind(0).sync().channel();
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            try (Socket v6 = new Socket(LOOPBACK6, port); Socket v4 = new Socket("127.0.0.1", port)) {
                assertTrue(v6.isConnected() && v4.isConnected());
            }
        } finally {
            server.close().sync();
        }
    }

    @Test
    void clientBoundToTheWildcardConnectsToAnIpv6Server() throws Exception {
        assumeTrue(LOOPBACK6 != null, "no IPv6 loopback");
        try (ServerSocket server = new ServerSocket(0, 4, LOOPBACK6)) {
            Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .localAddress(new InetSocketAddress(0))
                    .connect(new InetSocketAddress(LOOPBACK6, server.getLocalPort())).sync().channel();
            try (Socket accepted = server.accept()) {
                assertEquals(accepted.getLocalSocketAddress(), client.remoteAddress());
            } finally {
                client.close().sync();
            }
        }
    }

    @Test
    void ipv6AddressesCarryNoZeroScope() throws Exception {
        assumeTrue(LOOPBACK6 != null, "no IPv6 loopback");
        CompletableFuture<InetSocketAddress> childRemote = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(KQueueFfmServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        childRemote.complete((InetSocketAddress) ctx.channel().remoteAddress());
                    }
                })
                .bind(new InetSocketAddress(LOOPBACK6, 0)).sync().channel();
        try {
            Channel client = new Bootstrap().group(group).channel(KQueueFfmSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            InetSocketAddress local = (InetSocketAddress) client.localAddress();
            assertTrue(local.getAddress() instanceof Inet6Address, local.toString());
            assertEquals("0:0:0:0:0:0:0:1", local.getAddress().getHostAddress());
            assertEquals("0:0:0:0:0:0:0:1", ((InetSocketAddress) server.localAddress()).getAddress().getHostAddress());
            assertEquals("0:0:0:0:0:0:0:1", childRemote.get(10, TimeUnit.SECONDS).getAddress().getHostAddress());
            client.close().sync();
        } finally {
            server.close().sync();
        }
    }
}
