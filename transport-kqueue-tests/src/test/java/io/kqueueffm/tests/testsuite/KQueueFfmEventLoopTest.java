package io.kqueueffm.tests.testsuite;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.testsuite.transport.AbstractSingleThreadEventLoopTest;

/** Netty's single-thread event loop contract against {@link KQueueFfmIoHandler}. */
public class KQueueFfmEventLoopTest extends AbstractSingleThreadEventLoopTest {
    @Override
    protected EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(KQueueFfmIoHandler.newFactory());
    }

    @Override
    protected EventLoopGroup newAutoScalingEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(SCALING_MAX_THREADS, (java.util.concurrent.Executor) null,
                AUTO_SCALING_CHOOSER_FACTORY, KQueueFfmIoHandler.newFactory());
    }

    @Override
    protected Channel newChannel() {
        return new KQueueFfmSocketChannel();
    }

    @Override
    protected Class<? extends ServerChannel> serverChannelClass() {
        return KQueueFfmServerSocketChannel.class;
    }
}
