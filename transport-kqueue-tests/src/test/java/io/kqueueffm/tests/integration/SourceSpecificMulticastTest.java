package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.tests.IsolatedNetwork;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Source-specific multicast and source blocking (which Netty's own testsuite does not exercise), over
 * loopback inside the network namespace the build makes for multicast tests: two senders on
 * 127.0.0.1 and 127.0.0.2, one receiver that admits or blocks them by source.
 */
@Timeout(60)
class SourceSpecificMulticastTest {
    private static final InetAddress A = address("127.0.0.1");
    private static final InetAddress B = address("127.0.0.2");
    private static final InetAddress GROUP = address("232.1.2.3");
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        IsolatedNetwork.require();
        group = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Bootstrap udp4() {
        return new Bootstrap().group(group).channelFactory(() -> new KQueueFfmDatagramChannel(SocketProtocolFamily.INET));
    }

    @Test
    void admitsAndBlocksBySource() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(A);
        BlockingQueue<InetAddress> senders = new LinkedBlockingQueue<>();
        DatagramChannel receiver = (DatagramChannel) udp4().option(ChannelOption.SO_REUSEADDR, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        senders.add(p.sender().getAddress());
                    }
                }).bind(new InetSocketAddress(0)).sync().channel();
        int port = receiver.localAddress().getPort();
        InetSocketAddress to = new InetSocketAddress(GROUP, port);
        Channel fromA = udp4().option(ChannelOption.IP_MULTICAST_IF, lo).handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress(A, 0)).sync().channel();
        Channel fromB = udp4().option(ChannelOption.IP_MULTICAST_IF, lo).handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress(B, 0)).sync().channel();
        try {
            // Source-specific: only A's datagrams are admitted.
            receiver.joinGroup(GROUP, lo, A).sync();
            sendBoth(fromB, fromA, to);
            assertEquals(A, next(senders), "B is not a source of this membership");
            receiver.leaveGroup(GROUP, lo, A).sync();

            // Any-source with B blocked, then unblocked by leaving and joining again.
            receiver.joinGroup(new InetSocketAddress(GROUP, port), lo).sync();
            receiver.block(GROUP, lo, B).sync();
            sendBoth(fromB, fromA, to);
            assertEquals(A, next(senders), "B is blocked");
            receiver.leaveGroup(new InetSocketAddress(GROUP, port), lo).sync();
            receiver.joinGroup(new InetSocketAddress(GROUP, port), lo).sync();
            fromB.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {2}), to)).sync();
            assertEquals(B, next(senders), "B admitted again");
        } finally {
            fromA.close().sync();
            fromB.close().sync();
            receiver.close().sync();
        }
    }

    /** B first, then A: if B were admitted, its datagram would arrive before A's. */
    private static void sendBoth(Channel fromB, Channel fromA, InetSocketAddress to) throws InterruptedException {
        fromB.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {2}), to)).sync();
        fromA.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), to)).sync();
    }

    private static InetAddress next(BlockingQueue<InetAddress> senders) throws InterruptedException {
        InetAddress a = senders.poll(10, TimeUnit.SECONDS);
        assertNotNull(a, "no datagram within 10 s");
        return a;
    }
}
