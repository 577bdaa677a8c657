package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Enumeration;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Multicast on a datagram {@link Socket}: group membership through RFC 3678's protocol-independent
 * options (any-source and source-specific, IPv4 and IPv6, by interface index), and the sending
 * options (interface, hop limit, loopback). The structures differ by OS (Darwin packs
 * {@code group_req} to 4 bytes, the BSDs take a {@code u_char} for IPv4 TTL and loop) and so does the
 * way an IPv4 group is joined on a dual-stack socket; {@link SocketAbi} holds all of it.
 */
public final class Multicast {
    private static final SocketAbi ABI = Socket.abi();

    /** What a membership change does. */
    public enum Change { JOIN, LEAVE, BLOCK, UNBLOCK }

    private Multicast() {
    }

    /**
     * Joins, leaves, blocks or unblocks: {@code group} on interface {@code iface}, from {@code source}
     * only ({@code null}: any source; required for BLOCK and UNBLOCK).
     */
    public static void membership(Socket s, Change change, InetAddress group, NetworkInterface iface,
                                  InetAddress source) throws IOException {
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("not a multicast address: " + group.getHostAddress());
        }
        boolean v4 = group instanceof Inet4Address;
        if (source != null && (source instanceof Inet4Address) != v4) {
            throw new IllegalArgumentException("source " + source.getHostAddress() + " and group "
                    + group.getHostAddress() + " are of different address families");
        }
        if ((change == Change.BLOCK || change == Change.UNBLOCK) && source == null) {
            throw new IllegalArgumentException("blocking needs a source address");
        }
        int ifindex = iface.getIndex();
        if (ifindex <= 0) {
            throw new SocketException("interface " + iface.getName() + " has no index");
        }
        if (!s.isInet6() && !v4) {
            throw new IllegalArgumentException("IPv6 group " + group.getHostAddress() + " on an IPv4 socket");
        }
        boolean ipLevel = v4;
        if (v4 && s.isInet6()) {
            switch (ABI.v4GroupsOnInet6) {
                case IP_LEVEL -> ipLevel = true;
                case MAPPED_IPV6_JOIN -> {
                    if (source != null) {
                        throw new UnsupportedOperationException("source-specific IPv4 multicast on an IPv6 socket"
                                + " is not supported on " + ABI + ": create the channel with SocketProtocolFamily.INET");
                    }
                    mappedV6Membership(s, change, group, ifindex);
                    return;
                }
                case NONE -> throw new UnsupportedOperationException("IPv4 multicast on an IPv6 socket is not"
                        + " supported on " + ABI + ": create the channel with SocketProtocolFamily.INET");
            }
        }
        int level = ipLevel ? SocketAbi.IPPROTO_IP : SocketAbi.IPPROTO_IPV6;
        int option = switch (change) {
            case JOIN -> source == null ? ABI.mcastJoinGroup : ABI.mcastJoinSourceGroup;
            case LEAVE -> source == null ? ABI.mcastLeaveGroup : ABI.mcastLeaveSourceGroup;
            case BLOCK -> ABI.mcastBlockSource;
            case UNBLOCK -> ABI.mcastUnblockSource;
        };
        int size = source == null ? ABI.groupReqSize : ABI.groupSourceReqSize;
        MemorySegment req = Scratch.get().addr;
        req.asSlice(0, size).fill((byte) 0);
        req.set(JAVA_INT, 0, ifindex);
        boolean inet6Sockaddr = !ipLevel;
        SocketAddresses.encode(ABI, req.asSlice(ABI.groupReqGroupOffset), new InetSocketAddress(group, 0), inet6Sockaddr);
        if (source != null) {
            SocketAddresses.encode(ABI, req.asSlice(ABI.groupSourceReqSourceOffset), new InetSocketAddress(source, 0),
                    inet6Sockaddr);
        }
        s.setOption(level, option, req, size, describe(change, group, iface, source));
    }

    /** xnu: an ipv6_mreq with a v4-mapped group, which the kernel turns into IP_ADD/DROP_MEMBERSHIP. */
    private static void mappedV6Membership(Socket s, Change change, InetAddress group, int ifindex) throws IOException {
        if (change != Change.JOIN && change != Change.LEAVE) {
            throw new UnsupportedOperationException("blocking sources of an IPv4 group on an IPv6 socket is not"
                    + " supported on " + ABI + ": create the channel with SocketProtocolFamily.INET");
        }
        MemorySegment req = Scratch.get().addr;
        req.asSlice(0, SocketAbi.IPV6_MREQ_SIZE).fill((byte) 0);
        req.set(JAVA_BYTE, 10, (byte) 0xff);
        req.set(JAVA_BYTE, 11, (byte) 0xff);
        MemorySegment.copy(group.getAddress(), 0, req, JAVA_BYTE, 12, 4);
        req.set(JAVA_INT, 16, ifindex);
        int option = change == Change.JOIN ? ABI.ipv6JoinGroup : ABI.ipv6LeaveGroup;
        s.setOption(SocketAbi.IPPROTO_IPV6, option, req, SocketAbi.IPV6_MREQ_SIZE,
                change + " " + group.getHostAddress() + " (mapped) on interface index " + ifindex);
    }

    private static String describe(Change change, InetAddress group, NetworkInterface iface, InetAddress source) {
        return change + " " + group.getHostAddress() + " on " + iface.getName()
                + (source == null ? "" : " source " + source.getHostAddress());
    }

    // ---- sending options ----

    /** Where multicast datagrams leave: {@code iface}. */
    public static void setNetworkInterface(Socket s, NetworkInterface iface) throws IOException {
        if (!s.isInet6()) {
            InetAddress a = firstAddress(iface, true);
            if (a == null) {
                throw new SocketException("interface " + iface.getName() + " has no IPv4 address");
            }
            setInterfaceAddress(s, a);
            return;
        }
        MemorySegment v = Scratch.get().value;
        v.set(JAVA_INT, 0, iface.getIndex());
        s.setOption(SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastIf, v, 4, "IPV6_MULTICAST_IF=" + iface.getName());
        if (ABI.v4GroupsOnInet6 == SocketAbi.V4Groups.IP_LEVEL) {
            // Mapped IPv4 traffic of a dual-stack socket follows the IPv4 option (an ip_mreqn by index).
            MemorySegment mreqn = Scratch.get().addr;
            mreqn.asSlice(0, 12).fill((byte) 0);
            mreqn.set(JAVA_INT, 8, iface.getIndex());
            s.setOption(SocketAbi.IPPROTO_IP, ABI.ipMulticastIf, mreqn, 12, "IP_MULTICAST_IF=" + iface.getName());
        }
    }

    /** Where multicast datagrams leave: the interface that has {@code address}. */
    public static void setInterface(Socket s, InetAddress address) throws IOException {
        if (!s.isInet6()) {
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("IPv6 interface address " + address.getHostAddress()
                        + " on an IPv4 socket");
            }
            setInterfaceAddress(s, address);
            return;
        }
        NetworkInterface iface = NetworkInterface.getByInetAddress(address);
        if (iface == null) {
            throw new SocketException("no interface has the address " + address.getHostAddress());
        }
        setNetworkInterface(s, iface);
    }

    private static void setInterfaceAddress(Socket s, InetAddress a) throws IOException {
        MemorySegment v = Scratch.get().value;
        MemorySegment.copy(a.getAddress(), 0, v, JAVA_BYTE, 0, 4);
        s.setOption(SocketAbi.IPPROTO_IP, ABI.ipMulticastIf, v, 4, "IP_MULTICAST_IF=" + a.getHostAddress());
    }

    /** The interface multicast datagrams leave by, or null when the kernel chooses by route. */
    public static NetworkInterface getNetworkInterface(Socket s) throws IOException {
        MemorySegment v = Scratch.get().value;
        v.asSlice(0, 16).fill((byte) 0);
        if (!s.isInet6()) {
            s.getOption(SocketAbi.IPPROTO_IP, ABI.ipMulticastIf, v, 4, "IP_MULTICAST_IF");
            byte[] b = new byte[4];
            MemorySegment.copy(v, JAVA_BYTE, 0, b, 0, 4);
            InetAddress a = InetAddress.getByAddress(b);
            return a.isAnyLocalAddress() ? null : NetworkInterface.getByInetAddress(a);
        }
        s.getOption(SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastIf, v, 4, "IPV6_MULTICAST_IF");
        int index = v.get(JAVA_INT, 0);
        return index == 0 ? null : NetworkInterface.getByIndex(index);
    }

    /** An address of the interface multicast datagrams leave by, or null. */
    public static InetAddress getInterface(Socket s) throws IOException {
        if (!s.isInet6()) {
            NetworkInterface iface = getNetworkInterface(s);
            return iface == null ? null : firstAddress(iface, true);
        }
        NetworkInterface iface = getNetworkInterface(s);
        if (iface == null) {
            return null;
        }
        InetAddress a = firstAddress(iface, false);
        return a != null ? a : firstAddress(iface, true);
    }

    private static InetAddress firstAddress(NetworkInterface iface, boolean v4) {
        Enumeration<InetAddress> addresses = iface.getInetAddresses();
        while (addresses.hasMoreElements()) {
            InetAddress a = addresses.nextElement();
            if (v4 ? a instanceof Inet4Address : a instanceof Inet6Address) {
                return a;
            }
        }
        return null;
    }

    public static void setTimeToLive(Socket s, int ttl) throws IOException {
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("IP_MULTICAST_TTL must be within 0..255: " + ttl);
        }
        if (s.isInet6()) {
            setInt(s, SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastHops, ttl, "IPV6_MULTICAST_HOPS");
        }
        if (!s.isInet6() || ABI.v4GroupsOnInet6 == SocketAbi.V4Groups.IP_LEVEL) {
            setSmall(s, ABI.ipMulticastTtl, ttl, "IP_MULTICAST_TTL");
        }
    }

    public static int getTimeToLive(Socket s) throws IOException {
        return s.isInet6() ? getInt(s, SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastHops, "IPV6_MULTICAST_HOPS")
                : getSmall(s, ABI.ipMulticastTtl, "IP_MULTICAST_TTL");
    }

    public static void setLoopbackDisabled(Socket s, boolean disabled) throws IOException {
        int loop = disabled ? 0 : 1;
        if (s.isInet6()) {
            setInt(s, SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastLoop, loop, "IPV6_MULTICAST_LOOP");
        }
        if (!s.isInet6() || ABI.v4GroupsOnInet6 == SocketAbi.V4Groups.IP_LEVEL) {
            setSmall(s, ABI.ipMulticastLoop, loop, "IP_MULTICAST_LOOP");
        }
    }

    public static boolean isLoopbackDisabled(Socket s) throws IOException {
        int loop = s.isInet6() ? getInt(s, SocketAbi.IPPROTO_IPV6, ABI.ipv6MulticastLoop, "IPV6_MULTICAST_LOOP")
                : getSmall(s, ABI.ipMulticastLoop, "IP_MULTICAST_LOOP");
        return loop == 0;
    }

    /** An IPv4 multicast option whose value is a u_char on the BSDs and an int on Linux. */
    private static void setSmall(Socket s, int option, int value, String name) throws IOException {
        MemorySegment v = Scratch.get().value;
        if (ABI.multicastByteValues) {
            v.set(JAVA_BYTE, 0, (byte) value);
            s.setOption(SocketAbi.IPPROTO_IP, option, v, 1, name + "=" + value);
        } else {
            v.set(JAVA_INT, 0, value);
            s.setOption(SocketAbi.IPPROTO_IP, option, v, 4, name + "=" + value);
        }
    }

    private static int getSmall(Socket s, int option, String name) throws IOException {
        MemorySegment v = Scratch.get().value;
        v.set(JAVA_INT, 0, 0);
        int n = s.getOption(SocketAbi.IPPROTO_IP, option, v, ABI.multicastByteValues ? 1 : 4, name);
        return n == 1 ? v.get(JAVA_BYTE, 0) & 0xFF : v.get(JAVA_INT, 0);
    }

    private static void setInt(Socket s, int level, int option, int value, String name) throws IOException {
        MemorySegment v = Scratch.get().value;
        v.set(JAVA_INT, 0, value);
        s.setOption(level, option, v, 4, name + "=" + value);
    }

    private static int getInt(Socket s, int level, int option, String name) throws IOException {
        MemorySegment v = Scratch.get().value;
        v.set(JAVA_INT, 0, 0);
        s.getOption(level, option, v, 4, name);
        return v.get(JAVA_INT, 0);
    }
}
