package io.kqueueffm.tests.testsuite;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
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

    /** Only our channels: for tests of one side (client-only or server-only). */
    public List<BootstrapFactory<ServerBootstrap>> ourServerSocket() {
        return serverSocket().subList(0, 1);
    }

    public List<BootstrapFactory<Bootstrap>> ourClientSocket() {
        return clientSocket().subList(0, 1);
    }
}
