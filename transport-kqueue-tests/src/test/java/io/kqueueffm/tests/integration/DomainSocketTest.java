package io.kqueueffm.tests.integration;

import io.netty.channel.unix.DomainDatagramPacket;
import io.kqueueffm.channel.KQueueFfmDomainDatagramChannel;
import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.channel.FileDescriptorsTruncatedException;
import io.kqueueffm.channel.KQueueFfmDomainSocketChannel;
import io.kqueueffm.channel.KQueueFfmFileDescriptor;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerDomainSocketChannel;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.socket.ControlMessages;
import io.kqueueffm.socket.PeerCredentials;
import io.kqueueffm.socket.Socket;
import io.kqueueffm.tests.testsuite.KQueueFfmDomainSocketTestPermutation;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unix domain sockets beyond Netty's testsuite: descriptor passing (one, several in one message, a
 * closed one, a truncated message), peer credentials, address checks, the socket file's lifecycle,
 * and no descriptor left open at the end.
 */
@Timeout(120)
class DomainSocketTest {
    private static final SocketAbi ABI = Socket.abi();
    private static final long WAIT = 10;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static DomainSocketAddress newAddress() {
        return KQueueFfmDomainSocketTestPermutation.newSocketAddress();
    }

    /** A server whose children put every message and exception in {@code received}. */
    private static Channel server(SocketAddress address, DomainSocketReadMode mode, BlockingQueue<Object> received,
                                  BlockingQueue<Channel> children) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(KQueueFfmServerDomainSocketChannel.class)
                .childOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, mode)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        children.add(ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                received.add(msg);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                received.add(cause);
                            }
                        });
                    }
                }).bind(address).sync().channel();
    }

    private static Channel client(SocketAddress address) throws InterruptedException {
        return new Bootstrap().group(group).channel(KQueueFfmDomainSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
    }

    /** A pipe: [read end, write end]. */
    private static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(8, 4);
            assertEquals(0, LibC.pipe(Errno.threadSegment(), fds.address()));
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        }
    }

    private static void writeByte(int fd, byte b) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(1);
            m.set(JAVA_BYTE, 0, b);
            assertEquals(1, LibC.write(Errno.threadSegment(), fd, m.address(), 1));
        }
    }

    private static byte readByte(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(1);
            assertEquals(1, LibC.read(Errno.threadSegment(), fd, m.address(), 1));
            return m.get(JAVA_BYTE, 0);
        }
    }

    private static void close(int... fds) {
        for (int fd : fds) {
            ControlMessages.closeDescriptor(fd);
        }
    }

    /** The received descriptor works: a byte written through it comes out of the pipe's read end. */
    private static void assertPassesThrough(Object received, int pipeReadEnd, byte b) throws IOException {
        KQueueFfmFileDescriptor fd = assertInstanceOf(KQueueFfmFileDescriptor.class, received);
        int flags = LibC.fcntl(Errno.threadSegment(), fd.intValue(), ABI.fGetfd, 0);
        assertTrue((flags & ABI.fdCloexec) != 0, "received descriptors are close-on-exec");
        writeByte(fd.intValue(), b);
        fd.close();
        assertFalse(fd.isOpen());
        assertEquals(b, readByte(pipeReadEnd));
    }

    @Test
    void passesOneDescriptorOfEitherTypeAndBytesStillFlow() throws Exception {
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        Channel server = server(newAddress(), DomainSocketReadMode.FILE_DESCRIPTORS, received, children);
        Channel client = client(server.localAddress());
        int[] p = pipe();
        try {
            client.writeAndFlush(new KQueueFfmFileDescriptor(p[1])).sync();
            assertPassesThrough(received.poll(WAIT, TimeUnit.SECONDS), p[0], (byte) 7);
            // Netty's own type: only its int value is read, nothing native runs.
            client.writeAndFlush(new FileDescriptor(p[1])).sync();
            assertPassesThrough(received.poll(WAIT, TimeUnit.SECONDS), p[0], (byte) 8);
            // Switched to bytes, the same connection reads bytes.
            Channel child = children.poll(WAIT, TimeUnit.SECONDS);
            child.config().setOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.BYTES);
            client.writeAndFlush(Unpooled.copiedBuffer("abc", CharsetUtil.US_ASCII)).sync();
            ByteBuf buf = assertInstanceOf(ByteBuf.class, received.poll(WAIT, TimeUnit.SECONDS));
            try {
                assertEquals("abc", buf.toString(CharsetUtil.US_ASCII));
            } finally {
                buf.release();
            }
        } finally {
            close(p);
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void deliversSeveralDescriptorsOfOneMessageAndReportsTruncation() throws Exception {
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        Channel server = server(newAddress(), DomainSocketReadMode.FILE_DESCRIPTORS, received,
                new LinkedBlockingQueue<>());
        Socket raw = Socket.newUnixSocket(SocketAbi.SOCK_STREAM);
        List<int[]> pipes = new ArrayList<>();
        try (ControlMessages control = new ControlMessages(ABI)) {
            assertTrue(raw.connect(server.localAddress()));
            int[] three = new int[3];
            for (int i = 0; i < three.length; i++) {
                pipes.add(pipe());
                three[i] = pipes.get(i)[1];
            }
            assertTrue(control.sendFds(Errno.threadSegment(), raw, three, 3));
            for (int i = 0; i < three.length; i++) {
                assertPassesThrough(received.poll(WAIT, TimeUnit.SECONDS), pipes.get(i)[0], (byte) i);
            }

            // More than one message can carry here: what fits arrives, the rest is reported, not lost silently.
            int sent = ControlMessages.MAX_FDS + 6;
            int[] many = new int[sent];
            int[] p = pipe();
            pipes.add(p);
            Arrays.fill(many, p[1]);
            sendRaw(raw, many);
            for (int i = 0; i < ControlMessages.MAX_FDS; i++) {
                assertPassesThrough(received.poll(WAIT, TimeUnit.SECONDS), p[0], (byte) i);
            }
            Object report = received.poll(WAIT, TimeUnit.SECONDS);
            assertInstanceOf(FileDescriptorsTruncatedException.class, report);
            assertNull(received.poll(200, TimeUnit.MILLISECONDS));
        } finally {
            raw.close();
            for (int[] p : pipes) {
                close(p);
            }
            server.close().sync();
        }
    }

    /** One sendmsg with {@code fds.length} descriptors: more than {@link ControlMessages} sends at once. */
    private static void sendRaw(Socket socket, int[] fds) {
        int dataLen = 4 * fds.length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = arena.allocate(ABI.cmsgSpace(dataLen), 8);
            MemorySegment data = arena.allocate(1);
            MemorySegment iov = arena.allocate(SocketAbi.IOVEC_SIZE, 8);
            MemorySegment msg = arena.allocate(ABI.msghdrSize, 8);
            if (ABI.cmsgLenSize == 8) {
                control.set(JAVA_LONG, 0, ABI.cmsgLen(dataLen));
            } else {
                control.set(JAVA_INT, 0, ABI.cmsgLen(dataLen));
            }
            control.set(JAVA_INT, ABI.cmsgLenSize, ABI.solSocket);
            control.set(JAVA_INT, ABI.cmsgLenSize + 4, SocketAbi.SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                control.set(JAVA_INT, ABI.cmsghdrSize + 4L * i, fds[i]);
            }
            iov.set(JAVA_LONG, 0, data.address());
            iov.set(JAVA_LONG, 8, 1);
            msg.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_IOV, iov.address());
            msg.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_CONTROL, control.address());
            if (ABI.msgIovlenSize == 8) {
                msg.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_IOVLEN, 1);
                msg.set(JAVA_LONG, SocketAbi.MSGHDR_OFF_CONTROLLEN, control.byteSize());
            } else {
                msg.set(JAVA_INT, SocketAbi.MSGHDR_OFF_IOVLEN, 1);
                msg.set(JAVA_INT, SocketAbi.MSGHDR_OFF_CONTROLLEN, (int) control.byteSize());
            }
            assertEquals(1, LibC.sendmsg(Errno.threadSegment(), socket.fd(), msg.address(), 0));
        }
    }

    @Test
    void aClosedDescriptorFailsItsWriteOnly() throws Exception {
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        Channel server = server(newAddress(), DomainSocketReadMode.FILE_DESCRIPTORS, received,
                new LinkedBlockingQueue<>());
        Channel client = client(server.localAddress());
        int[] p = pipe();
        try {
            int[] c = pipe();
            KQueueFfmFileDescriptor closed = new KQueueFfmFileDescriptor(c[1]);
            closed.close();
            close(c[0]);
            ChannelFuture f = client.writeAndFlush(closed).await();
            assertInstanceOf(IOException.class, f.cause());
            // Closed behind the object's back: the kernel refuses it (EBADF), the connection lives on.
            int[] q = pipe();
            close(q);
            f = client.writeAndFlush(new FileDescriptor(q[1])).await();
            assertInstanceOf(IOException.class, f.cause());
            assertTrue(f.cause().getMessage().contains("not open"), f.cause().getMessage());
            assertTrue(client.isActive());
            client.writeAndFlush(new KQueueFfmFileDescriptor(p[1])).sync();
            assertPassesThrough(received.poll(WAIT, TimeUnit.SECONDS), p[0], (byte) 1);
        } finally {
            close(p);
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void peerCredentialsAreThisProcess() throws Exception {
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        Channel server = server(newAddress(), DomainSocketReadMode.BYTES, new LinkedBlockingQueue<>(), children);
        KQueueFfmDomainSocketChannel client = (KQueueFfmDomainSocketChannel) client(server.localAddress());
        try {
            KQueueFfmDomainSocketChannel child = (KQueueFfmDomainSocketChannel) children.poll(WAIT, TimeUnit.SECONDS);
            // A file this process creates is owned by its effective uid.
            Path probe = Files.createTempFile(KQueueFfmDomainSocketTestPermutation.directory(), "uid", ".probe");
            int uid = (Integer) Files.getAttribute(probe, "unix:uid");
            Files.delete(probe);
            for (PeerCredentials c : List.of(child.peerCredentials(), client.peerCredentials())) {
                assertEquals(uid, c.uid(), c.toString());
                assertEquals(ProcessHandle.current().pid(), c.pid(), c.toString());
                assertTrue(c.gids().length > 0, c.toString());
            }
            if (Files.isDirectory(Path.of("/proc/self"))) {
                int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
                assertEquals(gid, child.peerCredentials().gids()[0]);
            }
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void pathTooLongNamesThePath() {
        String longPath = KQueueFfmDomainSocketTestPermutation.directory().resolve("x".repeat(ABI.sunPathSize)).toString();
        ChannelFuture f = new ServerBootstrap().group(group).channel(KQueueFfmServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(new DomainSocketAddress(longPath))
                .awaitUninterruptibly();
        SocketException e = assertInstanceOf(SocketException.class, f.cause());
        assertTrue(e.getMessage().contains("too long") && e.getMessage().contains(longPath), e.getMessage());
        assertTrue(f.channel().closeFuture().awaitUninterruptibly(WAIT, TimeUnit.SECONDS));
    }

    @Test
    void staleSocketFileIsReportedNeverRemoved() throws Exception {
        DomainSocketAddress address = newAddress();
        // A process that died while listening leaves its socket file behind.
        Socket crashed = Socket.newUnixSocket(SocketAbi.SOCK_STREAM);
        crashed.bind(address);
        crashed.listen(1);
        crashed.close();
        Path file = Path.of(address.path());
        assertTrue(Files.exists(file));
        ChannelFuture f = new ServerBootstrap().group(group).channel(KQueueFfmServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(address).awaitUninterruptibly();
        BindException e = assertInstanceOf(BindException.class, f.cause());
        assertTrue(e.getMessage().contains("stale") && e.getMessage().contains(address.path()), e.getMessage());
        assertTrue(Files.exists(file), "someone else's file stays");
        Files.delete(file);

        // A live server: the second one is refused, and its failure leaves the first one's file alone.
        Channel live = server(address, DomainSocketReadMode.BYTES, new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
        f = new ServerBootstrap().group(group).channel(KQueueFfmServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(address).awaitUninterruptibly();
        e = assertInstanceOf(BindException.class, f.cause());
        assertTrue(e.getMessage().contains("listening"), e.getMessage());
        assertTrue(Files.exists(file));
        client(address).close().sync();
        live.close().sync();
        assertFalse(Files.exists(file), "a server removes its own socket file on close");
    }

    @Test
    void takesTheJdkAddressTypeAndReportsNettys() throws Exception {
        UnixDomainSocketAddress jdk = UnixDomainSocketAddress.of(newAddress().path());
        Channel server = server(jdk, DomainSocketReadMode.BYTES, new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
        Channel client = client(jdk);
        try {
            assertEquals(new DomainSocketAddress(jdk.getPath().toString()), server.localAddress());
            assertEquals(new DomainSocketAddress(jdk.getPath().toString()), client.remoteAddress());
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void connectToAMissingPathIsFileNotFound() {
        ChannelFuture f = new Bootstrap().group(group).channel(KQueueFfmDomainSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(newAddress()).awaitUninterruptibly();
        assertInstanceOf(FileNotFoundException.class, f.cause());
    }

    @Test
    void abstractNamesOnlyWhereTheOsHasThem() throws Exception {
        DomainSocketAddress name = new DomainSocketAddress("\0kqueue-ffm-test-" + ProcessHandle.current().pid());
        if (!ABI.abstractUnixNames) {
            ChannelFuture f = new ServerBootstrap().group(group).channel(KQueueFfmServerDomainSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(name).awaitUninterruptibly();
            assertInstanceOf(SocketException.class, f.cause());
            return;
        }
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        Channel server = server(name, DomainSocketReadMode.BYTES, received, new LinkedBlockingQueue<>());
        Channel client = client(name);
        try {
            assertEquals(name, server.localAddress());
            client.writeAndFlush(Unpooled.copiedBuffer("x", CharsetUtil.US_ASCII)).sync();
            Object msg = received.poll(WAIT, TimeUnit.SECONDS);
            assertNotNull(msg);
            ReferenceCountUtil.release(msg);
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void badOptionValuesNameTheOptionAndLeaveTheChannelUsable() throws Exception {
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        Channel server = server(newAddress(), DomainSocketReadMode.BYTES, received, new LinkedBlockingQueue<>());
        Channel client = client(server.localAddress());
        try {
            ChannelException e = assertThrows(ChannelException.class,
                    () -> client.config().setOption(ChannelOption.SO_SNDBUF, -1));
            assertTrue(e.getMessage().contains("SO_SNDBUF"), e.getMessage());
            assertTrue(client.config().setOption(ChannelOption.SO_RCVBUF, 64 * 1024));
            assertTrue(client.config().getOption(ChannelOption.SO_RCVBUF) > 0);
            assertEquals(DomainSocketReadMode.BYTES, client.config().getOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE));
            client.writeAndFlush(Unpooled.copiedBuffer("ok", CharsetUtil.US_ASCII)).sync();
            Object msg = received.poll(WAIT, TimeUnit.SECONDS);
            assertNotNull(msg);
            ReferenceCountUtil.release(msg);
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    @Test
    void everyDescriptorIsClosedAtTheEnd() throws Exception {
        passDescriptors(1); // first use may open what the JVM keeps for good
        Set<String> before = openFds();
        passDescriptors(20);
        // Connections of earlier tests may still be closing on the shared group: give them a moment.
        Set<String> left = Set.of();
        for (int i = 0; i < 50; i++) {
            left = openFds();
            left.removeAll(before);
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(Set.of(), left, "descriptors left open");
    }

    private static Set<String> openFds() throws IOException {
        Path dir = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
        Set<String> fds = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(fd -> {
                try {
                    fds.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException | UnsupportedOperationException e) {
                    fds.add(fd.getFileName().toString());
                }
            });
        }
        return fds;
    }

    private static void passDescriptors(int rounds) throws Exception {
        EventLoopGroup own = new MultiThreadIoEventLoopGroup(1, KQueueFfmIoHandler.newFactory());
        try {
            for (int round = 0; round < rounds; round++) {
                BlockingQueue<Object> received = new LinkedBlockingQueue<>();
                BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
                DomainSocketAddress address = newAddress();
                Channel server = new ServerBootstrap().group(own).channel(KQueueFfmServerDomainSocketChannel.class)
                        .childOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                        .childHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                received.add(msg);
                            }

                            @Override
                            public void handlerAdded(ChannelHandlerContext ctx) {
                                children.add(ctx.channel());
                            }
                        }).bind(address).sync().channel();
                Channel client = new Bootstrap().group(own).channel(KQueueFfmDomainSocketChannel.class)
                        .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
                int[] p = pipe();
                client.writeAndFlush(new KQueueFfmFileDescriptor(p[1])).sync();
                ((FileDescriptor) received.poll(WAIT, TimeUnit.SECONDS)).close();
                close(p);
                client.close().sync();
                // The accepted side closes on the client's EOF; wait for it. A group shut down with a
                // zero quiet period can end its loop before IoHandler.prepareToDestroy runs (shutdown
                // requested between its isShuttingDown check and confirmShutdown), leaving channels open.
                assertTrue(children.poll(WAIT, TimeUnit.SECONDS).closeFuture().await(WAIT, TimeUnit.SECONDS));
                server.close().sync();
            }
        } finally {
            own.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A connected domain datagram socket sends to its peer only: a packet addressed to another socket
     * (named by either address type) fails instead of reaching the peer.
     */
    @Test
    void connectedDomainDatagramRefusesOtherRecipients() throws Exception {
        BlockingQueue<Object> atA = new LinkedBlockingQueue<>();
        BlockingQueue<Object> atB = new LinkedBlockingQueue<>();
        DomainSocketAddress a = newAddress();
        DomainSocketAddress b = newAddress();
        Channel chA = datagram(atA).bind(a).sync().channel();
        Channel chB = datagram(atB).bind(b).sync().channel();
        Channel tx = datagram(new LinkedBlockingQueue<>()).bind(newAddress()).sync().channel();
        try {
            tx.connect(a).sync();
            ChannelFuture other = tx.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), b))
                    .await();
            assertInstanceOf(java.nio.channels.AlreadyConnectedException.class, other.cause());
            // The peer named by the JDK's address type is still the peer.
            tx.writeAndFlush(new io.netty.channel.DefaultAddressedEnvelope<>(Unpooled.wrappedBuffer(new byte[] {2}),
                    UnixDomainSocketAddress.of(a.path()))).sync();
            Object got = atA.poll(WAIT, TimeUnit.SECONDS);
            assertInstanceOf(DomainDatagramPacket.class, got);
            assertEquals(2, ((DomainDatagramPacket) got).content().readByte());
            ReferenceCountUtil.release(got);
            assertNull(atB.poll(200, TimeUnit.MILLISECONDS), "nothing reached the other socket");
        } finally {
            tx.close().sync();
            chA.close().sync();
            chB.close().sync();
        }
    }

    private static Bootstrap datagram(BlockingQueue<Object> received) {
        return new Bootstrap().group(group).channel(KQueueFfmDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.add(msg);
                    }
                });
    }
}
