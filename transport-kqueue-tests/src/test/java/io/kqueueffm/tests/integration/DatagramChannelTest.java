package io.kqueueffm.tests.integration;

import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.UnixChannelOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our datagram channel beyond Netty's testsuite: floods, edges of the datagram, options, errors. */
@Timeout(120)
class DatagramChannelTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static EventLoopGroup group;
    private static EventLoopGroup nio;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
        nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Bootstrap ours() {
        return new Bootstrap().group(group).channel(KQueueFfmDatagramChannel.class);
    }

    /** Collects what a channel receives (packets retained until taken). */
    private static final class Inbox extends SimpleChannelInboundHandler<DatagramPacket> {
        final BlockingQueue<DatagramPacket> packets = new ArrayBlockingQueue<>(1024);
        final BlockingQueue<Throwable> errors = new ArrayBlockingQueue<>(16);

        Inbox() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
            packets.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        DatagramPacket take() throws InterruptedException {
            DatagramPacket p = packets.poll(10, TimeUnit.SECONDS);
            assertNotNull(p, "no datagram within 10 s");
            return p;
        }
    }

    /**
     * Several senders (ours and NIO) against one receiver of ours: every datagram arrives exactly once.
     * Each sender keeps a bounded window of unacknowledged datagrams (the receiver echoes each one), so
     * the receive buffer never overflows and loopback has no reason to drop any: 4 x 8 datagrams of
     * 200 bytes take well under Linux's default 208 KiB even at the kernel's accounting of ~2 KiB each.
     */
    @Test
    void floodFromSeveralSendersLosesNothing() throws Exception {
        int senders = 4;
        int perSender = 3_000;
        int window = 8;
        Channel receiver = ours().handler(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                ctx.write(new DatagramPacket(p.content().retainedSlice(0, 8), p.sender()));
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }
        }).bind(LOOPBACK).sync().channel();
        InetSocketAddress to = (InetSocketAddress) receiver.localAddress();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int s = 0; s < senders; s++) {
            int id = s;
            Bootstrap b = s % 2 == 0 ? ours() : new Bootstrap().group(nio).channel(NioDatagramChannel.class);
            BitSet acked = new BitSet(perSender);
            Semaphore credits = new Semaphore(window);
            CountDownLatch done = new CountDownLatch(perSender);
            Channel sender = b.handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                    int seq = p.content().getInt(4);
                    synchronized (acked) {
                        if (p.content().getInt(0) != id || acked.get(seq)) {
                            failures.add(new AssertionError("sender " + id + ": stray or repeated " + seq));
                            return;
                        }
                        acked.set(seq);
                    }
                    credits.release();
                    done.countDown();
                }
            }).bind(LOOPBACK).sync().channel();
            Thread t = new Thread(() -> {
                try {
                    byte[] payload = new byte[200];
                    for (int seq = 0; seq < perSender; seq++) {
                        if (!credits.tryAcquire(10, TimeUnit.SECONDS)) {
                            failures.add(new AssertionError("sender " + id + ": no acknowledgement for 10 s at " + seq));
                            return;
                        }
                        ByteBuf buf = sender.alloc().directBuffer(payload.length);
                        buf.writeInt(id).writeInt(seq).writeBytes(payload, 8, payload.length - 8);
                        sender.writeAndFlush(new DatagramPacket(buf, to));
                    }
                    if (!done.await(20, TimeUnit.SECONDS)) {
                        failures.add(new AssertionError("sender " + id + ": " + done.getCount() + " unacknowledged"));
                    }
                } catch (InterruptedException e) {
                    failures.add(e);
                } finally {
                    sender.close();
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        receiver.close().sync();
        assertTrue(failures.isEmpty(), () -> failures.toString());
    }

    /**
     * Empty datagrams are real datagrams: ours sends them (Netty's NIO and epoll channels complete an
     * empty write without sending anything) and receives them.
     */
    @Test
    void emptyDatagramsGoBothWays() throws Exception {
        Inbox ourInbox = new Inbox();
        Channel ch = ours().handler(ourInbox).bind(LOOPBACK).sync().channel();
        try (java.net.DatagramSocket jdk = new java.net.DatagramSocket(LOOPBACK)) {
            jdk.setSoTimeout(10_000);
            ch.writeAndFlush(new DatagramPacket(Unpooled.EMPTY_BUFFER, (InetSocketAddress) jdk.getLocalSocketAddress()))
                    .sync();
            java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[16], 16);
            jdk.receive(got);
            assertEquals(0, got.getLength());
            assertEquals(ch.localAddress(), got.getSocketAddress());
            jdk.send(new java.net.DatagramPacket(new byte[0], 0, ch.localAddress()));
            DatagramPacket p = ourInbox.take();
            assertEquals(0, p.content().readableBytes());
            assertEquals(jdk.getLocalSocketAddress(), p.sender());
            p.release();
        } finally {
            ch.close().sync();
        }
    }

    /** A datagram larger than the read buffer is cut to the buffer, as NIO and Netty's transports do. */
    @Test
    void oversizedDatagramIsTruncatedToTheBuffer() throws Exception {
        Inbox inbox = new Inbox();
        Channel ch = ours().option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(64))
                .handler(inbox).bind(LOOPBACK).sync().channel();
        Channel sender = ours().handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            ByteBuf big = Unpooled.directBuffer(100);
            for (int i = 0; i < 100; i++) {
                big.writeByte(i);
            }
            sender.writeAndFlush(new DatagramPacket(big, (InetSocketAddress) ch.localAddress())).sync();
            sender.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {7}),
                    (InetSocketAddress) ch.localAddress())).sync();
            DatagramPacket p = inbox.take();
            assertEquals(64, p.content().readableBytes());
            assertEquals(63, p.content().getByte(63));
            p.release();
            p = inbox.take();
            assertEquals(1, p.content().readableBytes(), "the next datagram is whole");
            p.release();
        } finally {
            ch.close().sync();
            sender.close().sync();
        }
    }

    /** Heap, composite (direct and mixed) and read-only payloads all arrive intact. */
    @Test
    void everyBufferKindIsSent() throws Exception {
        Inbox inbox = new Inbox();
        Channel ch = ours().handler(inbox).bind(LOOPBACK).sync().channel();
        Channel sender = ours().handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        InetSocketAddress to = (InetSocketAddress) ch.localAddress();
        try {
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            composite.addComponent(true, Unpooled.directBuffer().writeBytes(new byte[] {1, 2}));
            composite.addComponent(true, Unpooled.buffer().writeBytes(new byte[] {3, 4, 5}));
            List<ByteBuf> payloads = List.of(Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5}),
                    Unpooled.directBuffer().writeBytes(new byte[] {1, 2, 3, 4, 5}).asReadOnly(), composite);
            for (ByteBuf payload : payloads) {
                sender.writeAndFlush(new DatagramPacket(payload, to)).sync();
                DatagramPacket p = inbox.take();
                byte[] got = new byte[p.content().readableBytes()];
                p.content().readBytes(got);
                p.release();
                assertEquals("[1, 2, 3, 4, 5]", java.util.Arrays.toString(got));
            }
        } finally {
            ch.close().sync();
            sender.close().sync();
        }
    }

    /**
     * A connected socket whose peer went away reports PortUnreachableException (on the read side
     * here) and stays usable: reconnected elsewhere, it sends and receives.
     */
    @Test
    void connectedSocketSurvivesPortUnreachable() throws Exception {
        Channel gone = ours().handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        InetSocketAddress goneAddress = (InetSocketAddress) gone.localAddress();
        gone.close().sync();
        Inbox inbox = new Inbox();
        DatagramChannel ch = (DatagramChannel) ours().handler(inbox).connect(goneAddress).sync().channel();
        Inbox peerInbox = new Inbox();
        Channel peer = ours().handler(peerInbox).bind(LOOPBACK).sync().channel();
        try {
            assertTrue(ch.isConnected());
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})).sync();
            Throwable error = inbox.errors.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(PortUnreachableException.class, error);
            assertTrue(ch.isOpen() && ch.isActive());

            ch.disconnect().sync();
            assertFalse(ch.isConnected());
            assertNull(ch.remoteAddress());
            ChannelFuture unconnected = ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {2})).await();
            assertInstanceOf(NotYetConnectedException.class, unconnected.cause());

            ch.connect(peer.localAddress()).sync();
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {3})).sync();
            DatagramPacket p = peerInbox.take();
            assertEquals(3, p.content().readByte());
            assertEquals(ch.localAddress(), p.sender());
            peer.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {4}), p.sender())).sync();
            p.release();
            DatagramPacket back = inbox.take();
            assertEquals(4, back.content().readByte());
            back.release();
        } finally {
            ch.close().sync();
            peer.close().sync();
        }
    }

    @Test
    void unresolvedRecipientFailsTheWriteOnly() throws Exception {
        Channel ch = ours().handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            ChannelFuture f = ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}),
                    InetSocketAddress.createUnresolved("nowhere.kqueueffm.test", 53))).await();
            assertInstanceOf(UnresolvedAddressException.class, f.cause());
            assertTrue(ch.isActive());
        } finally {
            ch.close().sync();
        }
    }

    /** Options round-trip; a bad value is a ChannelException naming the option, and nothing changes. */
    @Test
    void optionsAndBadValues() throws Exception {
        KQueueFfmDatagramChannel ch = new KQueueFfmDatagramChannel(SocketProtocolFamily.INET);
        group.next().register(ch).sync();
        try {
            ch.config().setBroadcast(true);
            assertTrue(ch.config().getOption(ChannelOption.SO_BROADCAST));
            ch.config().setOption(ChannelOption.SO_RCVBUF, 64 * 1024);
            assertTrue(ch.config().getReceiveBufferSize() >= 64 * 1024);
            ch.config().setOption(ChannelOption.IP_MULTICAST_TTL, 7);
            assertEquals(7, ch.config().getTimeToLive());
            ch.config().setLoopbackModeDisabled(true);
            assertTrue(ch.config().isLoopbackModeDisabled());
            ch.config().setLoopbackModeDisabled(false);
            assertFalse(ch.config().isLoopbackModeDisabled());
            ch.config().setOption(UnixChannelOption.SO_REUSEPORT, true);
            assertTrue(ch.config().getOption(UnixChannelOption.SO_REUSEPORT));
            ch.config().setInterface(InetAddress.getByName("127.0.0.1"));
            assertEquals(InetAddress.getByName("127.0.0.1"), ch.config().getInterface());
            ch.config().setTrafficClass(0x10);
            assertEquals(0x10, ch.config().getTrafficClass());

            ChannelException ttl = assertThrows(ChannelException.class,
                    () -> ch.config().setOption(ChannelOption.IP_MULTICAST_TTL, 300));
            assertTrue(ttl.getMessage().contains("IP_MULTICAST_TTL"), ttl.getMessage());
            assertEquals(7, ch.config().getTimeToLive());
            ChannelException tos = assertThrows(ChannelException.class,
                    () -> ch.config().setOption(ChannelOption.IP_TOS, 256));
            assertTrue(tos.getMessage().contains("IP_TOS"), tos.getMessage());
            ChannelException rcvbuf = assertThrows(ChannelException.class,
                    () -> ch.config().setOption(ChannelOption.SO_RCVBUF, -1));
            assertTrue(rcvbuf.getMessage().contains("SO_RCVBUF"), rcvbuf.getMessage());
            ChannelException v6If = assertThrows(ChannelException.class,
                    () -> ch.config().setInterface(InetAddress.getByName("::1")));
            assertTrue(v6If.getMessage().contains("IP_MULTICAST_ADDR"), v6If.getMessage());
            ChannelException unknown = assertThrows(ChannelException.class, () -> ch.config().setOption(
                    new IntegerUnixChannelOption("NO_SUCH_OPTION", 0xFFFF, 0x7FFF), 1));
            assertTrue(unknown.getMessage().contains("NO_SUCH_OPTION"), unknown.getMessage());
            ChannelException late = assertThrows(ChannelException.class, () -> ch.config().setOption(
                    ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true));
            assertTrue(late.getMessage().contains("DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION"), late.getMessage());

            // Still a working channel.
            Inbox inbox = new Inbox();
            ch.pipeline().addLast(inbox);
            ch.bind(LOOPBACK).sync();
            ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {9}),
                    (InetSocketAddress) ch.localAddress())).sync();
            DatagramPacket p = inbox.take();
            assertEquals(9, p.content().readByte());
            p.release();
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void activeOnRegistration() throws Exception {
        Channel ch = ours().option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
        try {
            assertTrue(ch.isActive(), "active before bind");
        } finally {
            ch.close().sync();
        }
        Channel plain = ours().handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
        try {
            assertFalse(plain.isActive(), "inactive until bound");
        } finally {
            plain.close().sync();
        }
    }

    /**
     * A connected socket sends to its peer only: a datagram addressed elsewhere fails, also when it
     * was written before the connect and flushed after it, and the channel goes on.
     */
    @Test
    void connectedSocketRefusesOtherRecipients() throws Exception {
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        Channel chA = ours().handler(a).bind(LOOPBACK).sync().channel();
        Channel chB = ours().handler(b).bind(LOOPBACK).sync().channel();
        Channel tx = ours().handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            ChannelFuture queued = tx.write(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}),
                    (InetSocketAddress) chB.localAddress()));
            tx.connect(chA.localAddress()).sync();
            tx.flush();
            assertInstanceOf(AlreadyConnectedException.class, queued.await().cause());
            ChannelFuture direct = tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {2}),
                    (InetSocketAddress) chB.localAddress())).await();
            assertInstanceOf(AlreadyConnectedException.class, direct.cause());
            tx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {3})).sync();
            DatagramPacket p = a.take();
            assertEquals(3, p.content().readByte(), "the peer gets only what was meant for it");
            p.release();
            assertNull(b.packets.poll(200, TimeUnit.MILLISECONDS), "nothing reached the other address");
        } finally {
            tx.close().sync();
            chA.close().sync();
            chB.close().sync();
        }
    }

    /** An IPv6 destination on an IPv4 socket fails that write only (a resolver with an IPv6 server). */
    @Test
    void ipv6RecipientOnAnIpv4SocketFailsThatWriteOnly() throws Exception {
        Inbox inbox = new Inbox();
        Channel receiver = ours().handler(inbox).bind(LOOPBACK).sync().channel();
        Channel tx = new Bootstrap().group(group)
                .channelFactory(() -> new KQueueFfmDatagramChannel(SocketProtocolFamily.INET))
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            ChannelFuture v6 = tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}),
                    new InetSocketAddress("::1", 9))).await();
            assertInstanceOf(UnsupportedAddressTypeException.class, v6.cause());
            assertTrue(tx.isOpen() && tx.isActive());
            tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {2}),
                    (InetSocketAddress) receiver.localAddress())).sync();
            DatagramPacket p = inbox.take();
            assertEquals(2, p.content().readByte());
            p.release();
        } finally {
            tx.close().sync();
            receiver.close().sync();
        }
    }
}
