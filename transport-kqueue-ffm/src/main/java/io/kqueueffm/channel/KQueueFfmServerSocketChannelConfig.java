package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ServerSocketChannelConfig;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.NetUtil;

import java.util.Map;

import static io.netty.channel.ChannelOption.SO_BACKLOG;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;

/** Options of a {@link KQueueFfmServerSocketChannel}. */
public final class KQueueFfmServerSocketChannelConfig extends KQueueFfmChannelConfig
        implements ServerSocketChannelConfig {
    private static final SocketAbi ABI = SocketOptions.ABI;
    private volatile int backlog = NetUtil.SOMAXCONN;

    KQueueFfmServerSocketChannelConfig(AbstractKQueueFfmServerChannel channel) {
        super(channel, new ServerChannelRecvByteBufAllocator());
        // Servers restart on the same port without waiting for TIME_WAIT, as Netty's native servers do.
        try {
            setReuseAddress(true);
        } catch (ChannelException ignore) {
            // not fatal
        }
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_RCVBUF, SO_REUSEADDR, SO_BACKLOG, UnixChannelOption.SO_REUSEPORT);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == SO_BACKLOG) {
            return (T) Integer.valueOf(getBacklog());
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_BACKLOG) {
            setBacklog((Integer) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public int getBacklog() {
        return backlog;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setBacklog(int backlog) {
        this.backlog = SocketOptions.checkNonNegative("SO_BACKLOG", backlog);
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBool(ch.socket, "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr);
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setReuseAddress(boolean on) {
        SocketOptions.setBool(ch.socket, "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr, on);
        return this;
    }

    public boolean isReusePort() {
        return SocketOptions.getBool(ch.socket, "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport);
    }

    public KQueueFfmServerSocketChannelConfig setReusePort(boolean on) {
        SocketOptions.setBool(ch.socket, "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport, on);
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getReceiveBufferSize(ch.socket);
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setReceiveBufferSize(int size) {
        SocketOptions.setReceiveBufferSize(ch.socket, size);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmServerSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmServerSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmServerSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public KQueueFfmServerSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }
}
