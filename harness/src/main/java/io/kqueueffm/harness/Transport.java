package io.kqueueffm.harness;

import io.kqueueffm.channel.KQueueFfm;
import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmDomainSocketChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerDomainSocketChannel;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueDatagramChannel;
import io.netty.channel.kqueue.KQueueDomainSocketChannel;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerDomainSocketChannel;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The transports the harness compares, in report order, how each is detected and built, and its
 * channel classes for every kind of workload: TCP, UDP, Unix domain stream sockets. A transport
 * without a kind has {@code null} there, and the workloads of that kind are skipped for it.
 */
enum Transport {
    KQUEUE_FFM("kqueue-ffm", false, KQueueFfm::isAvailable, KQueueFfm::unavailabilityCause,
            KQueueFfmIoHandler::newFactory, KQueueFfmServerSocketChannel.class, KQueueFfmSocketChannel.class,
            KQueueFfmDatagramChannel.class,
            KQueueFfmServerDomainSocketChannel.class, KQueueFfmDomainSocketChannel.class, DomainSocketAddress::new),
    // Netty 4.2's NIO channels over the JDK's SocketProtocolFamily.UNIX sockets, which take the JDK's address.
    NIO("nio", false, () -> true, () -> null,
            NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class,
            NioDatagramChannel.class,
            NioServerDomainSocketChannel.class, NioDomainSocketChannel.class, UnixDomainSocketAddress::of),
    EPOLL("epoll", true, Epoll::isAvailable, Epoll::unavailabilityCause,
            EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
            EpollDatagramChannel.class,
            EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class, DomainSocketAddress::new),
    KQUEUE_JNI("kqueue-jni", true, KQueue::isAvailable, KQueue::unavailabilityCause,
            KQueueIoHandler::newFactory, KQueueServerSocketChannel.class, KQueueSocketChannel.class,
            KQueueDatagramChannel.class,
            KQueueServerDomainSocketChannel.class, KQueueDomainSocketChannel.class, DomainSocketAddress::new);

    final String id;
    /** Netty's own JNI transports: the "best native" baseline is the better of these. */
    final boolean nettyNative;
    private final Supplier<Boolean> available;
    private final Supplier<Throwable> cause;
    private final Supplier<IoHandlerFactory> factory;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends SocketChannel> socketChannel;
    final Class<? extends DatagramChannel> datagramChannel;
    final Class<? extends ServerChannel> domainServerChannel;
    final Class<? extends Channel> domainChannel;
    private final Function<String, SocketAddress> domainAddress;

    Transport(String id, boolean nettyNative, Supplier<Boolean> available, Supplier<Throwable> cause,
              Supplier<IoHandlerFactory> factory, Class<? extends ServerChannel> serverChannel,
              Class<? extends SocketChannel> socketChannel, Class<? extends DatagramChannel> datagramChannel,
              Class<? extends ServerChannel> domainServerChannel, Class<? extends Channel> domainChannel,
              Function<String, SocketAddress> domainAddress) {
        this.id = id;
        this.nettyNative = nettyNative;
        this.available = available;
        this.cause = cause;
        this.factory = factory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
        this.domainServerChannel = domainServerChannel;
        this.domainChannel = domainChannel;
        this.domainAddress = domainAddress;
    }

    /** The address of a Unix domain socket file in the form this transport's channels take. */
    SocketAddress domainAddress(String path) {
        return domainAddress.apply(path);
    }

    IoHandlerFactory newFactory() {
        return factory.get();
    }

    /** Empty when the transport loads here, else why not (printed, and kept in the report). */
    Optional<String> unavailableReason() {
        try {
            if (available.get()) {
                return Optional.empty();
            }
            Throwable t = cause.get();
            return Optional.of(t == null ? "not available" : rootMessage(t));
        } catch (Throwable t) {
            // A JNI transport for another OS throws from its static initialiser rather than reporting.
            return Optional.of(rootMessage(t));
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        msg = msg == null ? root.getClass().getSimpleName() : msg;
        return withoutPaths(msg).lines().findFirst().orElse(msg);
    }

    /** Keeps the report free of the machine's paths (temp dirs of unpacked native libraries). */
    static String withoutPaths(String s) {
        return s.replaceAll("(?<=^|[\\s'\"(=])(/[^\\s:,;'\"]+)+", "<path>");
    }

    /** Where kqueue-ffm gets kqueue from here: the kernel, or the Linux emulation. */
    static String kqueueFfmBackend() {
        return KQUEUE_FFM.unavailableReason().isPresent() ? "not available"
                : withoutPaths(KQueueFfm.describe()).replace(" <path>", "");
    }

    static boolean kqueueFfmEmulated() {
        return kqueueFfmBackend().contains("emulation");
    }

    static Transport of(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown transport " + id + "; known: " + ids()));
    }

    static List<String> ids() {
        return Arrays.stream(values()).map(t -> t.id).toList();
    }

    /** The load generator's own transport: the machine's Netty native one if it loads, else NIO. */
    static Transport forLoadClient() {
        for (Transport t : List.of(EPOLL, KQUEUE_JNI)) {
            if (t.unavailableReason().isEmpty()) {
                return t;
            }
        }
        return NIO;
    }
}
