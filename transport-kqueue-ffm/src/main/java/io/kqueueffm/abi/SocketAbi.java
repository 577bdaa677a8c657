package io.kqueueffm.abi;

/**
 * Socket-layer constants and layouts of one operating system (abi.md sections 3 and 4). A value of
 * {@code -1} means "not available on this OS"; callers test {@link #has(int)}.
 */
public final class SocketAbi {
    public static final int NONE = -1;

    public static final SocketAbi DARWIN = new Builder("darwin")
            .families(30).bsdSockaddr(true).sunPathSize(104)
            .local(0, 1, 2, NONE, 76, NONE, false)
            .cmsg(4, 12, 4, 0x20, NONE)
            .sockFlags(NONE, NONE).accept4(false)
            .solSocket(0xFFFF)
            .so(0x4, 0x8, 0x20, 0x1080, 0x200, 0x1022, 0x1001, 0x1002, 0x1003, 0x1004, 0x1007, 0x1008, 0x2)
            .tcp(0x1, 0x4, 0x10, 0x101, 0x102, 0x105, 0x201, 0x2)
            .ip(3, 36, 27)
            .multicast(9, 10, 11, 9, 10, 11, 12, 13)
            .mcast(80, 81, 82, 83, 84, 85)
            // <netinet/in.h> declares group_req/group_source_req inside #pragma pack(4).
            .groupReqGroupOffset(4)
            .multicastByteValues(true)
            .v4GroupsOnInet6(V4Groups.MAPPED_IPV6_JOIN)
            .msgNoSignal(0x80000)
            .fcntl(0x4, 0x3, 0x4, 0x1, 0x2, 0x1, 0x1000000)
            .lingerMaxSeconds(327)
            .fionread(0x4004667fL)
            .limits(128, 1024)
            .build();

    public static final SocketAbi FREEBSD = new Builder("freebsd")
            .families(28).bsdSockaddr(true).sunPathSize(104)
            .local(0, 1, NONE, NONE, 88, 80, false)
            .cmsg(8, 16, 4, 0x20, 0x40000)
            .sockFlags(0x20000000, 0x10000000).accept4(true)
            .solSocket(0xFFFF)
            .so(0x4, 0x8, 0x20, 0x80, 0x200, 0x800, 0x1001, 0x1002, 0x1003, 0x1004, 0x1007, 0x1008, 0x2)
            .tcp(0x1, 0x4, 0x100, 0x200, 0x400, 0x401, NONE, 0x2)
            .ip(3, 61, 27)
            .multicast(9, 10, 11, 9, 10, 11, 12, 13)
            .mcast(80, 81, 82, 83, 84, 85)
            .groupReqGroupOffset(8)
            .multicastByteValues(true)
            .v4GroupsOnInet6(V4Groups.NONE)
            .msgNoSignal(0x20000)
            .fcntl(0x4, 0x3, 0x4, 0x1, 0x2, 0x1, 0x100000)
            .fcntlLongArg(true)
            .fionread(0x4004667fL)
            .limits(128, 1024)
            .build();

    /** glibc on x86_64: the host under the kqueue emulation. TCP_NOPUSH maps to TCP_CORK. */
    public static final SocketAbi LINUX = new Builder("linux")
            .families(10).bsdSockaddr(false).sunPathSize(108)
            .local(NONE, NONE, NONE, 0x11, NONE, NONE, true)
            .cmsg(8, 16, 8, 0x8, 0x40000000)
            .sockFlags(0x800, 0x80000).accept4(true)
            .solSocket(1)
            .so(0x2, 0x9, 0x6, 0xd, 0xf, NONE, 0x7, 0x8, 0x13, 0x12, 0x4, 0x3, 0x1e)
            .tcp(0x1, 0x3, 0x4, 0x5, 0x6, 0x17, 0x19, 0x2)
            .ip(1, 67, 26)
            .multicast(32, 33, 34, 17, 18, 19, 20, 21)
            .mcast(42, 45, 46, 47, 43, 44)
            .groupReqGroupOffset(8)
            .multicastByteValues(false)
            .v4GroupsOnInet6(V4Groups.IP_LEVEL)
            .msgNoSignal(0x4000)
            .fcntl(0x800, 0x3, 0x4, 0x1, 0x2, 0x1, 0x80000)
            .fcntlLongArg(true)
            .fionread(0x541bL)
            .limits(4096, 1024)
            .build();

    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SOCKADDR_IN6_SIZE = 28;
    public static final int SOCKADDR_STORAGE_SIZE = 128;
    public static final int IOVEC_SIZE = 16;
    public static final int MSGHDR_OFF_IOV = 16;
    public static final int MSGHDR_OFF_IOVLEN = 24;
    public static final int MSGHDR_OFF_CONTROL = 32;
    public static final int MSGHDR_OFF_CONTROLLEN = 40;
    public static final int SCM_RIGHTS = 1;
    /** struct ucred (Linux SO_PEERCRED): pid, uid, gid. */
    public static final int UCRED_SIZE = 12;
    /** struct xucred: cr_version, cr_uid, cr_ngroups (short), cr_groups[16] at 12. */
    public static final int XUCRED_OFF_UID = 4;
    public static final int XUCRED_OFF_NGROUPS = 8;
    public static final int XUCRED_OFF_GROUPS = 12;
    public static final int XUCRED_MAX_GROUPS = 16;
    public static final int MSGHDR_OFF_NAME = 0;
    public static final int MSGHDR_OFF_NAMELEN = 8;
    public static final int IP_MREQ_SIZE = 8;
    public static final int IPV6_MREQ_SIZE = 20;

    /** How an IPv4 multicast group is joined on an AF_INET6 (dual-stack) socket. */
    public enum V4Groups {
        /** Linux: IPPROTO_IP options (MCAST_* with AF_INET sockaddrs) apply to mapped traffic. */
        IP_LEVEL,
        /**
         * xnu: only IPV6_JOIN_GROUP/IPV6_LEAVE_GROUP with a v4-mapped group, which in6p_join_group
         * turns into IP_ADD_MEMBERSHIP; no source-specific form.
         */
        MAPPED_IPV6_JOIN,
        /** FreeBSD: in6p_join_group refuses mapped groups; use an AF_INET socket. */
        NONE
    }

    public final String name;
    public final int afInet6;
    /** BSD sockaddrs start with a length byte and a one-byte family; Linux has a two-byte family. */
    public final boolean bsdSockaddr;
    public final int sunPathSize;
    public final int sockNonblock;
    public final int sockCloexec;
    public final boolean hasAccept4;
    public final int solSocket;
    public final int soReuseaddr;
    public final int soKeepalive;
    public final int soBroadcast;
    /** In seconds everywhere: Darwin's SO_LINGER_SEC (its SO_LINGER counts clock ticks). */
    public final int soLinger;
    public final int soReuseport;
    public final int soNosigpipe;
    public final int soSndbuf;
    public final int soRcvbuf;
    public final int soSndlowat;
    public final int soRcvlowat;
    public final int soError;
    public final int soType;
    public final int soAcceptconn;
    public final int tcpNodelay;
    /** BSD TCP_NOPUSH; Linux TCP_CORK, its counterpart. */
    public final int tcpNopush;
    /** Darwin TCP_KEEPALIVE, FreeBSD/Linux TCP_KEEPIDLE: idle seconds before probes. */
    public final int tcpKeepidle;
    public final int tcpKeepintvl;
    public final int tcpKeepcnt;
    public final int tcpFastopen;
    public final int tcpNotsentLowat;
    public final int tcpMaxseg;
    public final int ipTos;
    public final int ipv6Tclass;
    public final int ipv6V6only;
    public final int ipMulticastIf;
    public final int ipMulticastTtl;
    public final int ipMulticastLoop;
    public final int ipv6MulticastIf;
    public final int ipv6MulticastHops;
    public final int ipv6MulticastLoop;
    public final int ipv6JoinGroup;
    public final int ipv6LeaveGroup;
    public final int mcastJoinGroup;
    public final int mcastLeaveGroup;
    public final int mcastJoinSourceGroup;
    public final int mcastLeaveSourceGroup;
    public final int mcastBlockSource;
    public final int mcastUnblockSource;
    /** Offset of gr_group in struct group_req / gsr_group in group_source_req (4 when packed). */
    public final int groupReqGroupOffset;
    /** sizeof(struct group_req). */
    public final int groupReqSize;
    /** Offset of gsr_source in struct group_source_req. */
    public final int groupSourceReqSourceOffset;
    /** sizeof(struct group_source_req). */
    public final int groupSourceReqSize;
    /** IP_MULTICAST_TTL and IP_MULTICAST_LOOP take a u_char (the BSDs), not an int. */
    public final boolean multicastByteValues;
    public final V4Groups v4GroupsOnInet6;
    public final int msgNosignal;
    public final int oNonblock;
    public final int fGetfl;
    public final int fSetfl;
    public final int fGetfd;
    public final int fSetfd;
    public final int fdCloexec;
    /** open(2)'s O_CLOEXEC (O_RDONLY is 0 everywhere). */
    public final int oCloexec;
    /**
     * Whether fcntl reads its third (variadic) argument as a long: FreeBSD's libc does
     * ({@code va_arg(ap, long)}), and so does glibc (as a pointer); Darwin's reads an int. An int
     * passed where a long is read leaves the upper half of the register undefined.
     */
    public final boolean fcntlLongArg;
    /**
     * The largest SO_LINGER (seconds) the kernel keeps as given: xnu stores {@code l_linger * hz}
     * (hz = 100) in a short {@code so_linger}, so anything above 327 s wraps.
     */
    public final int lingerMaxSeconds;
    public final long fionread;
    public final int somaxconn;
    public final int iovMax;
    /** struct msghdr: 48 bytes on the BSDs (int msg_iovlen), 56 on Linux (size_t msg_iovlen). */
    public final int msghdrSize;
    public final int msgIovlenSize;
    /** msghdr.msg_flags: after a 4-byte (BSD) or 8-byte (Linux) msg_controllen. */
    public final int msghdrOffFlags;

    // Unix domain sockets (abi.md 3.3, 3.9, 4.3, 4.4).
    /** Level of the LOCAL_* options (SOL_LOCAL, 0 on the BSDs); not to be confused with SOL_SOCKET. */
    public final int solLocal;
    /** LOCAL_PEERCRED at {@link #solLocal}: a struct xucred of {@link #xucredSize} bytes. */
    public final int localPeercred;
    /** Darwin's LOCAL_PEERPID at {@link #solLocal}: the peer's pid_t. */
    public final int localPeerpid;
    /** Linux SO_PEERCRED at SOL_SOCKET: a struct ucred. */
    public final int soPeercred;
    public final int xucredSize;
    /** FreeBSD's cr_pid inside struct xucred (13.0+; zero before). */
    public final int xucredOffPid;
    /** Linux names sockets outside the file system: a sun_path starting with a NUL byte. */
    public final boolean abstractUnixNames;
    /** CMSG_ALIGN unit: 4 on Darwin, 8 on FreeBSD and Linux. */
    public final int cmsgAlign;
    /** sizeof(struct cmsghdr), already aligned: CMSG_DATA is at this offset. */
    public final int cmsghdrSize;
    /** cmsg_len is a socklen_t (BSD) or a size_t (Linux). */
    public final int cmsgLenSize;
    public final int msgCtrunc;
    /** recvmsg flag that makes received descriptors close-on-exec atomically; NONE on Darwin. */
    public final int msgCmsgCloexec;

    private SocketAbi(Builder b) {
        name = b.name;
        afInet6 = b.afInet6;
        bsdSockaddr = b.bsdSockaddr;
        sunPathSize = b.sunPathSize;
        sockNonblock = b.sockNonblock;
        sockCloexec = b.sockCloexec;
        hasAccept4 = b.accept4;
        solSocket = b.solSocket;
        soReuseaddr = b.so[0];
        soKeepalive = b.so[1];
        soBroadcast = b.so[2];
        soLinger = b.so[3];
        soReuseport = b.so[4];
        soNosigpipe = b.so[5];
        soSndbuf = b.so[6];
        soRcvbuf = b.so[7];
        soSndlowat = b.so[8];
        soRcvlowat = b.so[9];
        soError = b.so[10];
        soType = b.so[11];
        soAcceptconn = b.so[12];
        tcpNodelay = b.tcp[0];
        tcpNopush = b.tcp[1];
        tcpKeepidle = b.tcp[2];
        tcpKeepintvl = b.tcp[3];
        tcpKeepcnt = b.tcp[4];
        tcpFastopen = b.tcp[5];
        tcpNotsentLowat = b.tcp[6];
        tcpMaxseg = b.tcp[7];
        ipTos = b.ip[0];
        ipv6Tclass = b.ip[1];
        ipv6V6only = b.ip[2];
        ipMulticastIf = b.multicast[0];
        ipMulticastTtl = b.multicast[1];
        ipMulticastLoop = b.multicast[2];
        ipv6MulticastIf = b.multicast[3];
        ipv6MulticastHops = b.multicast[4];
        ipv6MulticastLoop = b.multicast[5];
        ipv6JoinGroup = b.multicast[6];
        ipv6LeaveGroup = b.multicast[7];
        mcastJoinGroup = b.mcast[0];
        mcastLeaveGroup = b.mcast[1];
        mcastJoinSourceGroup = b.mcast[2];
        mcastLeaveSourceGroup = b.mcast[3];
        mcastBlockSource = b.mcast[4];
        mcastUnblockSource = b.mcast[5];
        groupReqGroupOffset = b.groupReqGroupOffset;
        groupReqSize = groupReqGroupOffset + SOCKADDR_STORAGE_SIZE;
        groupSourceReqSourceOffset = groupReqSize;
        groupSourceReqSize = groupReqSize + SOCKADDR_STORAGE_SIZE;
        multicastByteValues = b.multicastByteValues;
        v4GroupsOnInet6 = b.v4GroupsOnInet6;
        msgNosignal = b.msgNoSignal;
        oNonblock = b.fcntl[0];
        fGetfl = b.fcntl[1];
        fSetfl = b.fcntl[2];
        fGetfd = b.fcntl[3];
        fSetfd = b.fcntl[4];
        fdCloexec = b.fcntl[5];
        oCloexec = b.fcntl[6];
        fcntlLongArg = b.fcntlLongArg;
        lingerMaxSeconds = b.lingerMaxSeconds;
        fionread = b.fionread;
        somaxconn = b.limits[0];
        iovMax = b.limits[1];
        msghdrSize = bsdSockaddr ? 48 : 56;
        msgIovlenSize = bsdSockaddr ? 4 : 8;
        msghdrOffFlags = MSGHDR_OFF_CONTROLLEN + msgIovlenSize;
        solLocal = b.local[0];
        localPeercred = b.local[1];
        localPeerpid = b.local[2];
        soPeercred = b.local[3];
        xucredSize = b.local[4];
        xucredOffPid = b.local[5];
        abstractUnixNames = b.abstractNames;
        cmsgAlign = b.cmsg[0];
        cmsghdrSize = b.cmsg[1];
        cmsgLenSize = b.cmsg[2];
        msgCtrunc = b.cmsg[3];
        msgCmsgCloexec = b.cmsg[4];
    }

    /** CMSG_ALIGN(n). */
    public int cmsgAlign(int n) {
        return (n + cmsgAlign - 1) & -cmsgAlign;
    }

    /** CMSG_SPACE(n): room one control message with {@code n} data bytes takes. */
    public int cmsgSpace(int n) {
        return cmsghdrSize + cmsgAlign(n);
    }

    /** CMSG_LEN(n): the cmsg_len of a control message with {@code n} data bytes. */
    public int cmsgLen(int n) {
        return cmsghdrSize + n;
    }

    /** SO_LINGER seconds as this kernel can keep them: negative (off) stays, the rest is clamped. */
    public int clampLinger(int seconds) {
        return seconds < 0 ? seconds : Math.min(seconds, lingerMaxSeconds);
    }

    public static boolean has(int value) {
        return value != NONE;
    }

    @Override
    public String toString() {
        return name;
    }

    private static final class Builder {
        final String name;
        int afInet6;
        boolean bsdSockaddr;
        int sunPathSize;
        int sockNonblock;
        int sockCloexec;
        boolean accept4;
        int solSocket;
        int[] so;
        int[] tcp;
        int[] ip;
        int[] multicast;
        int[] mcast;
        int groupReqGroupOffset;
        boolean multicastByteValues;
        V4Groups v4GroupsOnInet6;
        int msgNoSignal;
        int[] fcntl;
        boolean fcntlLongArg;
        int lingerMaxSeconds = Integer.MAX_VALUE;
        long fionread;
        int[] limits;
        int[] local;
        boolean abstractNames;
        int[] cmsg;

        Builder(String name) {
            this.name = name;
        }

        Builder families(int inet6) {
            afInet6 = inet6;
            return this;
        }

        Builder bsdSockaddr(boolean bsd) {
            bsdSockaddr = bsd;
            return this;
        }

        Builder sunPathSize(int size) {
            sunPathSize = size;
            return this;
        }

        Builder sockFlags(int nonblock, int cloexec) {
            sockNonblock = nonblock;
            sockCloexec = cloexec;
            return this;
        }

        Builder accept4(boolean has) {
            accept4 = has;
            return this;
        }

        Builder solSocket(int level) {
            solSocket = level;
            return this;
        }

        /** reuseaddr, keepalive, broadcast, linger(sec), reuseport, nosigpipe, sndbuf, rcvbuf, sndlowat, rcvlowat, error, type, acceptconn. */
        Builder so(int... values) {
            so = values;
            return this;
        }

        /** nodelay, nopush, keepidle, keepintvl, keepcnt, fastopen, notsent_lowat, maxseg. */
        Builder tcp(int... values) {
            tcp = values;
            return this;
        }

        /** IP_TOS, IPV6_TCLASS, IPV6_V6ONLY. */
        Builder ip(int... values) {
            ip = values;
            return this;
        }

        /**
         * IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS,
         * IPV6_MULTICAST_LOOP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP.
         */
        Builder multicast(int... values) {
            multicast = values;
            return this;
        }

        /** RFC 3678: MCAST_JOIN_GROUP, LEAVE_GROUP, JOIN_SOURCE_GROUP, LEAVE_SOURCE_GROUP, BLOCK_SOURCE, UNBLOCK_SOURCE. */
        Builder mcast(int... values) {
            mcast = values;
            return this;
        }

        Builder groupReqGroupOffset(int offset) {
            groupReqGroupOffset = offset;
            return this;
        }

        Builder multicastByteValues(boolean bytes) {
            multicastByteValues = bytes;
            return this;
        }

        Builder v4GroupsOnInet6(V4Groups how) {
            v4GroupsOnInet6 = how;
            return this;
        }

        Builder msgNoSignal(int value) {
            msgNoSignal = value;
            return this;
        }

        /** O_NONBLOCK, F_GETFL, F_SETFL, F_GETFD, F_SETFD, FD_CLOEXEC, O_CLOEXEC. */
        Builder fcntl(int... values) {
            fcntl = values;
            return this;
        }

        Builder fcntlLongArg(boolean value) {
            fcntlLongArg = value;
            return this;
        }

        Builder lingerMaxSeconds(int value) {
            lingerMaxSeconds = value;
            return this;
        }

        Builder fionread(long value) {
            fionread = value;
            return this;
        }

        /** SOMAXCONN, IOV_MAX. */
        Builder limits(int... values) {
            limits = values;
            return this;
        }

        /** SOL_LOCAL, LOCAL_PEERCRED, LOCAL_PEERPID, SO_PEERCRED, sizeof(xucred), offset of cr_pid; abstract names. */
        Builder local(int solLocal, int peercred, int peerpid, int soPeercred, int xucredSize, int xucredPid,
                      boolean abstractNames) {
            local = new int[] {solLocal, peercred, peerpid, soPeercred, xucredSize, xucredPid};
            this.abstractNames = abstractNames;
            return this;
        }

        /** CMSG alignment, sizeof(cmsghdr), sizeof(cmsg_len), MSG_CTRUNC, MSG_CMSG_CLOEXEC. */
        Builder cmsg(int... values) {
            cmsg = values;
            return this;
        }

        SocketAbi build() {
            return new SocketAbi(this);
        }
    }
}
