package io.kqueueffm.tests.testsuite;

import io.kqueueffm.channel.KQueueFfmDomainDatagramChannel;
import io.kqueueffm.channel.KQueueFfmDomainSocketChannel;
import io.kqueueffm.channel.KQueueFfmServerDomainSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketTestPermutation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Netty's socket permutations over Unix domain sockets, as Netty's kqueue module runs them, plus NIO
 * both ways. NIO's domain channels take only the JDK's {@link UnixDomainSocketAddress}, so an outbound
 * handler at the head of their pipelines translates the testsuite's {@link DomainSocketAddress}es.
 * Socket files live in one temporary directory, removed when the JVM exits.
 */
public final class KQueueFfmDomainSocketTestPermutation extends SocketTestPermutation {
    public static final KQueueFfmDomainSocketTestPermutation INSTANCE = new KQueueFfmDomainSocketTestPermutation();

    private static final Path DIR = newDirectory();
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ChannelHandler TO_JDK_ADDRESSES = new ToJdkAddresses();

    private static Path newDirectory() {
        try {
            Path dir = Files.createTempDirectory("kqffm-uds");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The temporary directory of this run's socket files. */
    public static Path directory() {
        return DIR;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignore) {
            // best effort at exit
        }
    }

    /** A fresh socket path in the run's directory (short: well within BSD's 104 bytes). */
    public static DomainSocketAddress newSocketAddress() {
        return new DomainSocketAddress(DIR.resolve("s" + COUNTER.incrementAndGet() + ".sock").toString());
    }

    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> domainSocket() {
        List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> list = combo(allServers(), allClients());
        list.remove(list.size() - 1); // NIO server + NIO client
        return list;
    }

    public List<BootstrapFactory<ServerBootstrap>> serverDomainSocket() {
        return allServers().subList(0, 1);
    }

    public List<BootstrapFactory<Bootstrap>> clientDomainSocket() {
        return allClients().subList(0, 1);
    }

    /** Domain datagrams: ours with ours (NIO has no Unix domain datagram channel). */
    public List<BootstrapComboFactory<Bootstrap, Bootstrap>> domainDatagram() {
        return combo(domainDatagramSocket(), domainDatagramSocket());
    }

    public List<BootstrapFactory<Bootstrap>> domainDatagramSocket() {
        return List.of(() -> new Bootstrap().group(KQueueFfmSocketTestPermutation.KQUEUE_GROUP)
                .channel(KQueueFfmDomainDatagramChannel.class));
    }

    private List<BootstrapFactory<ServerBootstrap>> allServers() {
        return List.of(
                () -> new ServerBootstrap().group(KQueueFfmSocketTestPermutation.KQUEUE_GROUP)
                        .channel(KQueueFfmServerDomainSocketChannel.class),
                () -> new ServerBootstrap().group(NIO_GROUP)
                        .channelFactory((ChannelFactory<ServerChannel>) () -> withJdkAddresses(new NioServerDomainSocketChannel())));
    }

    private List<BootstrapFactory<Bootstrap>> allClients() {
        return List.of(
                () -> new Bootstrap().group(KQueueFfmSocketTestPermutation.KQUEUE_GROUP)
                        .channel(KQueueFfmDomainSocketChannel.class),
                () -> new Bootstrap().group(NIO_GROUP)
                        .channelFactory((ChannelFactory<Channel>) () -> withJdkAddresses(new NioDomainSocketChannel())));
    }

    private static <C extends Channel> C withJdkAddresses(C channel) {
        channel.pipeline().addFirst(TO_JDK_ADDRESSES);
        return channel;
    }

    @ChannelHandler.Sharable
    private static final class ToJdkAddresses extends ChannelOutboundHandlerAdapter {
        @Override
        public void bind(ChannelHandlerContext ctx, SocketAddress local, ChannelPromise promise) {
            ctx.bind(jdk(local), promise);
        }

        @Override
        public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            ctx.connect(jdk(remote), jdk(local), promise);
        }

        private static SocketAddress jdk(SocketAddress a) {
            return a instanceof DomainSocketAddress d ? UnixDomainSocketAddress.of(d.path()) : a;
        }
    }
}
