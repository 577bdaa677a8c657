package io.kqueueffm.tests.testsuite;

import io.kqueueffm.channel.KQueueFfmDatagramChannel;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketTestPermutation;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.List;

/**
 * Netty's socket test permutations with our channels: ours with ours, ours with NIO both ways.
 * (NIO with NIO tests nothing of ours and is left out.)
 */
public final class KQueueFfmSocketTestPermutation extends SocketTestPermutation {
    public static final KQueueFfmSocketTestPermutation INSTANCE = new KQueueFfmSocketTestPermutation();

    static final EventLoopGroup KQUEUE_GROUP = new MultiThreadIoEventLoopGroup(
            NUM_THREADS, new DefaultThreadFactory("testsuite-kqueue-ffm", true), KQueueFfmIoHandler.newFactory());

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> list = combo(serverSocket(), clientSocket());
        list.remove(list.size() - 1); // NIO server + NIO client
        return list;
    }

    @Override
    public List<BootstrapFactory<ServerBootstrap>> serverSocket() {
        return List.of(
                () -> new ServerBootstrap().group(KQUEUE_GROUP).channel(KQueueFfmServerSocketChannel.class),
                () -> new ServerBootstrap().group(NIO_GROUP).channel(NioServerSocketChannel.class));
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocket() {
        return List.of(
                () -> new Bootstrap().group(KQUEUE_GROUP).channel(KQueueFfmSocketChannel.class),
                () -> new Bootstrap().group(NIO_GROUP).channel(NioSocketChannel.class));
    }

    /** Datagram pairs of the family: ours with ours, ours with NIO both ways. */
    @Override
    public List<BootstrapComboFactory<Bootstrap, Bootstrap>> datagram(SocketProtocolFamily family) {
        List<BootstrapFactory<Bootstrap>> factories = List.of(
                () -> new Bootstrap().group(KQUEUE_GROUP).channelFactory(
                        named(() -> new KQueueFfmDatagramChannel(family), "KQueueFfmDatagramChannel(" + family + ")")),
                () -> new Bootstrap().group(NIO_GROUP).channelFactory(
                        named(() -> new NioDatagramChannel(family), "NioDatagramChannel(" + family + ")")));
        List<BootstrapComboFactory<Bootstrap, Bootstrap>> list = combo(factories, factories);
        list.remove(list.size() - 1); // NIO + NIO
        return list;
    }

    /** Our datagram channel alone (default family), for client-only tests. */
    @Override
    public List<BootstrapFactory<Bootstrap>> datagramSocket() {
        return List.of(() -> new Bootstrap().group(KQUEUE_GROUP).channel(KQueueFfmDatagramChannel.class));
    }

    private static ChannelFactory<Channel> named(ChannelFactory<Channel> factory, String name) {
        return new ChannelFactory<>() {
            @Override
            public Channel newChannel() {
                return factory.newChannel();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** Only our channels: for tests of one side (client-only or server-only). */
    public List<BootstrapFactory<ServerBootstrap>> ourServerSocket() {
        return serverSocket().subList(0, 1);
    }

    public List<BootstrapFactory<Bootstrap>> ourClientSocket() {
        return clientSocket().subList(0, 1);
    }
}
