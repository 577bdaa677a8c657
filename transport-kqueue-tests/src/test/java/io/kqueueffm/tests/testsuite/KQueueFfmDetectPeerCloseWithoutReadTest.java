package io.kqueueffm.tests.testsuite;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.kqueueffm.channel.KQueueFfmSocketChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.tests.DetectPeerCloseWithoutReadTest;

/**
 * Netty's unix-common test that a peer's close is seen without a read pending, as Netty's kqueue
 * module runs it (over TCP: the test binds an internet address).
 */
public class KQueueFfmDetectPeerCloseWithoutReadTest extends DetectPeerCloseWithoutReadTest {
    @Override
    protected EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, KQueueFfmIoHandler.newFactory());
    }

    @Override
    protected Class<? extends ServerChannel> serverChannel() {
        return KQueueFfmServerSocketChannel.class;
    }

    @Override
    protected Class<? extends Channel> clientChannel() {
        return KQueueFfmSocketChannel.class;
    }
}
