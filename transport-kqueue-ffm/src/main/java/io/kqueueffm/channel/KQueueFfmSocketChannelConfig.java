package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.socket.Socket;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.channel.unix.UnixChannelOption;

import java.io.IOException;
import java.util.Map;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_KEEPALIVE;
import static io.netty.channel.ChannelOption.SO_LINGER;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.SO_SNDBUF;
import static io.netty.channel.ChannelOption.TCP_NODELAY;

/** Options of a {@link KQueueFfmSocketChannel}. */
public final class KQueueFfmSocketChannelConfig extends KQueueFfmChannelConfig implements SocketChannelConfig {
    private static final SocketAbi ABI = SocketOptions.ABI;
    private volatile boolean allowHalfClosure;
    private volatile boolean lingerSet;

    KQueueFfmSocketChannelConfig(KQueueFfmSocketChannel channel) {
        super(channel);
        // As Netty's native transports do: small writes go out at once.
        try {
            setTcpNoDelay(true);
        } catch (ChannelException ignore) {
            // not fatal
        }
        calculateMaxBytesPerGatheringWrite();
    }

    private Socket socket() {
        return ch.socket;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR,
                SO_LINGER, IP_TOS, ALLOW_HALF_CLOSURE, UnixChannelOption.SO_REUSEPORT,
                KQueueFfmChannelOption.SO_SNDLOWAT, KQueueFfmChannelOption.TCP_NOPUSH);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        }
        if (option == SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        if (option == IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        if (option == KQueueFfmChannelOption.SO_SNDLOWAT) {
            return (T) Integer.valueOf(getSndLowAt());
        }
        if (option == KQueueFfmChannelOption.TCP_NOPUSH) {
            return (T) Boolean.valueOf(isTcpNoPush());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else if (option == KQueueFfmChannelOption.SO_SNDLOWAT) {
            setSndLowAt((Integer) value);
        } else if (option == KQueueFfmChannelOption.TCP_NOPUSH) {
            setTcpNoPush((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getReceiveBufferSize(socket());
    }

    @Override
    public KQueueFfmSocketChannelConfig setReceiveBufferSize(int size) {
        SocketOptions.setReceiveBufferSize(socket(), size);
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.getSendBufferSize(socket());
    }

    @Override
    public KQueueFfmSocketChannelConfig setSendBufferSize(int size) {
        SocketOptions.setSendBufferSize(socket(), size);
        calculateMaxBytesPerGatheringWrite();
        return this;
    }

    @Override
    public boolean isTcpNoDelay() {
        return SocketOptions.getBool(socket(), "TCP_NODELAY", SocketAbi.IPPROTO_TCP, ABI.tcpNodelay);
    }

    @Override
    public KQueueFfmSocketChannelConfig setTcpNoDelay(boolean on) {
        SocketOptions.setBool(socket(), "TCP_NODELAY", SocketAbi.IPPROTO_TCP, ABI.tcpNodelay, on);
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return SocketOptions.getBool(socket(), "SO_KEEPALIVE", ABI.solSocket, ABI.soKeepalive);
    }

    @Override
    public KQueueFfmSocketChannelConfig setKeepAlive(boolean on) {
        SocketOptions.setBool(socket(), "SO_KEEPALIVE", ABI.solSocket, ABI.soKeepalive, on);
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBool(socket(), "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr);
    }

    @Override
    public KQueueFfmSocketChannelConfig setReuseAddress(boolean on) {
        SocketOptions.setBool(socket(), "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr, on);
        return this;
    }

    public boolean isReusePort() {
        return SocketOptions.getBool(socket(), "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport);
    }

    public KQueueFfmSocketChannelConfig setReusePort(boolean on) {
        SocketOptions.setBool(socket(), "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport, on);
        return this;
    }

    @Override
    public int getSoLinger() {
        try {
            return socket().getLinger();
        } catch (IOException e) {
            throw new ChannelException("cannot get SO_LINGER: " + e.getMessage(), e);
        }
    }

    @Override
    public KQueueFfmSocketChannelConfig setSoLinger(int soLinger) {
        try {
            socket().setLinger(soLinger);
        } catch (IOException e) {
            throw new ChannelException("cannot set SO_LINGER to " + soLinger + ": " + e.getMessage(), e);
        }
        lingerSet = soLinger > 0;
        return this;
    }

    /**
     * Whether a positive SO_LINGER was set through this config: the close path asks this rather than
     * the socket, so that a close costs no getsockopt. (A linger set as a raw option is not seen:
     * such a close then runs on the loop, as any close did before lingering closes moved off it.)
     */
    boolean isLingerSet() {
        return lingerSet;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.getTrafficClass(socket());
    }

    @Override
    public KQueueFfmSocketChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.setTrafficClass(socket(), trafficClass);
        return this;
    }

    public int getSndLowAt() {
        return SocketOptions.getInt(socket(), "SO_SNDLOWAT", ABI.solSocket, ABI.soSndlowat);
    }

    public KQueueFfmSocketChannelConfig setSndLowAt(int bytes) {
        SocketOptions.setInt(socket(), "SO_SNDLOWAT", ABI.solSocket, ABI.soSndlowat,
                SocketOptions.checkNonNegative("SO_SNDLOWAT", bytes));
        return this;
    }

    public boolean isTcpNoPush() {
        return SocketOptions.getBool(socket(), "TCP_NOPUSH", SocketAbi.IPPROTO_TCP, ABI.tcpNopush);
    }

    public KQueueFfmSocketChannelConfig setTcpNoPush(boolean on) {
        SocketOptions.setBool(socket(), "TCP_NOPUSH", SocketAbi.IPPROTO_TCP, ABI.tcpNopush, on);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public KQueueFfmSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    private void calculateMaxBytesPerGatheringWrite() {
        try {
            // Twice the send buffer: what one write can usefully hand to the kernel.
            int sndbuf = getSendBufferSize() << 1;
            if (sndbuf > 0) {
                setMaxBytesPerGatheringWrite(sndbuf);
            }
        } catch (ChannelException ignore) {
            // keep the default
        }
    }

    @Override
    public KQueueFfmSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public KQueueFfmSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }
}
