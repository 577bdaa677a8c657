package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.socket.Multicast;
import io.kqueueffm.socket.Socket;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannelConfig;
import io.netty.channel.unix.UnixChannelOption;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Map;

import static io.netty.channel.ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION;
import static io.netty.channel.ChannelOption.IP_MULTICAST_ADDR;
import static io.netty.channel.ChannelOption.IP_MULTICAST_IF;
import static io.netty.channel.ChannelOption.IP_MULTICAST_LOOP_DISABLED;
import static io.netty.channel.ChannelOption.IP_MULTICAST_TTL;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_BROADCAST;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.SO_SNDBUF;

/**
 * Options of a {@link KQueueFfmDatagramChannel}. Datagrams are read into 2 KiB buffers by default
 * (a datagram longer than the buffer is truncated, as with NIO and Netty's native transports; raise
 * it with a {@link FixedRecvByteBufAllocator}), up to 16 per loop turn.
 */
public final class KQueueFfmDatagramChannelConfig extends KQueueFfmChannelConfig implements DatagramChannelConfig {
    private static final SocketAbi ABI = SocketOptions.ABI;
    private volatile boolean activeOnRegistration;

    KQueueFfmDatagramChannelConfig(KQueueFfmDatagramChannel channel) {
        super(channel, new FixedRecvByteBufAllocator(2048));
    }

    private Socket socket() {
        return ch.socket;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_BROADCAST, SO_RCVBUF, SO_SNDBUF, SO_REUSEADDR, IP_TOS,
                IP_MULTICAST_LOOP_DISABLED, IP_MULTICAST_ADDR, IP_MULTICAST_IF, IP_MULTICAST_TTL,
                DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, UnixChannelOption.SO_REUSEPORT);
    }

    @SuppressWarnings({"unchecked", "deprecation"})
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_BROADCAST) {
            return (T) Boolean.valueOf(isBroadcast());
        }
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == IP_MULTICAST_LOOP_DISABLED) {
            return (T) Boolean.valueOf(isLoopbackModeDisabled());
        }
        if (option == IP_MULTICAST_ADDR) {
            return (T) getInterface();
        }
        if (option == IP_MULTICAST_IF) {
            return (T) getNetworkInterface();
        }
        if (option == IP_MULTICAST_TTL) {
            return (T) Integer.valueOf(getTimeToLive());
        }
        if (option == DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            return (T) Boolean.valueOf(activeOnRegistration);
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        return super.getOption(option);
    }

    @SuppressWarnings("deprecation")
    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_BROADCAST) {
            setBroadcast((Boolean) value);
        } else if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == IP_MULTICAST_LOOP_DISABLED) {
            setLoopbackModeDisabled((Boolean) value);
        } else if (option == IP_MULTICAST_ADDR) {
            setInterface((InetAddress) value);
        } else if (option == IP_MULTICAST_IF) {
            setNetworkInterface((NetworkInterface) value);
        } else if (option == IP_MULTICAST_TTL) {
            setTimeToLive((Integer) value);
        } else if (option == DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            setActiveOnRegistration((Boolean) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    private void setActiveOnRegistration(boolean on) {
        if (ch.isRegistered()) {
            throw new ChannelException("DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION can only be set before registration");
        }
        activeOnRegistration = on;
    }

    boolean isActiveOnRegistration() {
        return activeOnRegistration;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.getSendBufferSize(socket());
    }

    @Override
    public KQueueFfmDatagramChannelConfig setSendBufferSize(int size) {
        SocketOptions.setSendBufferSize(socket(), size);
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getReceiveBufferSize(socket());
    }

    @Override
    public KQueueFfmDatagramChannelConfig setReceiveBufferSize(int size) {
        SocketOptions.setReceiveBufferSize(socket(), size);
        return this;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.getTrafficClass(socket());
    }

    @Override
    public KQueueFfmDatagramChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.setTrafficClass(socket(), trafficClass);
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBool(socket(), "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr);
    }

    @Override
    public KQueueFfmDatagramChannelConfig setReuseAddress(boolean on) {
        SocketOptions.setBool(socket(), "SO_REUSEADDR", ABI.solSocket, ABI.soReuseaddr, on);
        return this;
    }

    public boolean isReusePort() {
        return SocketOptions.getBool(socket(), "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport);
    }

    public KQueueFfmDatagramChannelConfig setReusePort(boolean on) {
        SocketOptions.setBool(socket(), "SO_REUSEPORT", ABI.solSocket, ABI.soReuseport, on);
        return this;
    }

    @Override
    public boolean isBroadcast() {
        return SocketOptions.getBool(socket(), "SO_BROADCAST", ABI.solSocket, ABI.soBroadcast);
    }

    @Override
    public KQueueFfmDatagramChannelConfig setBroadcast(boolean on) {
        SocketOptions.setBool(socket(), "SO_BROADCAST", ABI.solSocket, ABI.soBroadcast, on);
        return this;
    }

    @Override
    public boolean isLoopbackModeDisabled() {
        try {
            return Multicast.isLoopbackDisabled(socket());
        } catch (IOException e) {
            throw failed("get IP_MULTICAST_LOOP_DISABLED", e);
        }
    }

    @Override
    public KQueueFfmDatagramChannelConfig setLoopbackModeDisabled(boolean disabled) {
        try {
            Multicast.setLoopbackDisabled(socket(), disabled);
        } catch (IOException | RuntimeException e) {
            throw failed("set IP_MULTICAST_LOOP_DISABLED to " + disabled, e);
        }
        return this;
    }

    @Override
    public int getTimeToLive() {
        try {
            return Multicast.getTimeToLive(socket());
        } catch (IOException e) {
            throw failed("get IP_MULTICAST_TTL", e);
        }
    }

    @Override
    public KQueueFfmDatagramChannelConfig setTimeToLive(int ttl) {
        try {
            Multicast.setTimeToLive(socket(), ttl);
        } catch (IOException | RuntimeException e) {
            throw failed("set IP_MULTICAST_TTL to " + ttl, e);
        }
        return this;
    }

    @Override
    public InetAddress getInterface() {
        try {
            return Multicast.getInterface(socket());
        } catch (IOException e) {
            throw failed("get IP_MULTICAST_ADDR", e);
        }
    }

    @Override
    public KQueueFfmDatagramChannelConfig setInterface(InetAddress address) {
        try {
            Multicast.setInterface(socket(), address);
        } catch (IOException | RuntimeException e) {
            throw failed("set IP_MULTICAST_ADDR to " + address, e);
        }
        return this;
    }

    @Override
    public NetworkInterface getNetworkInterface() {
        try {
            return Multicast.getNetworkInterface(socket());
        } catch (IOException e) {
            throw failed("get IP_MULTICAST_IF", e);
        }
    }

    @Override
    public KQueueFfmDatagramChannelConfig setNetworkInterface(NetworkInterface iface) {
        try {
            Multicast.setNetworkInterface(socket(), iface);
        } catch (IOException | RuntimeException e) {
            throw failed("set IP_MULTICAST_IF to " + (iface == null ? null : iface.getName()), e);
        }
        return this;
    }

    private static ChannelException failed(String what, Exception e) {
        return e instanceof ChannelException c ? c : new ChannelException("cannot " + what + ": " + e.getMessage(), e);
    }

    @Override
    public KQueueFfmDatagramChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public KQueueFfmDatagramChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public KQueueFfmDatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }
}
