package io.kqueueffm.abi;

import io.kqueueffm.event.EventArray;
import io.kqueueffm.event.EventFilter;
import io.kqueueffm.event.TimerUnit;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables against the headers' values (copied here from xnu / FreeBSD / glibc headers, as
 * collected in the project's ABI notes): a typo in a table must fail here, not on a user's Mac.
 */
class AbiTablesTest {

    @Test
    void darwinKevent64Layout() {
        KeventAbi d = KeventAbi.DARWIN;
        assertTrue(d.kevent64);
        assertEquals(48, d.eventSize);
        assertEquals(2, d.extCount);
        assertRecordLayout(d);
    }

    @Test
    void freebsdKeventLayout() {
        KeventAbi f = KeventAbi.FREEBSD;
        assertFalse(f.kevent64);
        assertEquals(64, f.eventSize);
        assertEquals(4, f.extCount);
        assertRecordLayout(f);
    }

    /** Writes records through EventArray and reads the bytes back at the C offsets. */
    private static void assertRecordLayout(KeventAbi abi) {
        try (EventArray a = new EventArray(abi, 2)) {
            a.set(1, 0x1122334455667788L, (short) -7, (short) 0x8021, 0xC1000005, -42L, 0xFEDCBA9876543210L);
            for (int e = 0; e < abi.extCount; e++) {
                a.setExt(1, e, 100 + e);
            }
            MemorySegment m = a.segment();
            long base = abi.eventSize;
            assertEquals(0x1122334455667788L, m.get(JAVA_LONG, base));
            assertEquals((short) -7, m.get(JAVA_SHORT, base + 8));
            assertEquals((short) 0x8021, m.get(JAVA_SHORT, base + 10));
            assertEquals(0xC1000005, m.get(JAVA_INT, base + 12));
            assertEquals(-42L, m.get(JAVA_LONG, base + 16));
            assertEquals(0xFEDCBA9876543210L, m.get(JAVA_LONG, base + 24));
            for (int e = 0; e < abi.extCount; e++) {
                assertEquals(100 + e, m.get(JAVA_LONG, base + 32 + 8L * e));
            }
            // record 0 untouched, record 1 ends exactly at 2 * size
            assertEquals(0L, m.get(JAVA_LONG, 0));
            assertEquals(2 * abi.eventSize, m.byteSize());
            assertThrows(IndexOutOfBoundsException.class, () -> a.ext(0, abi.extCount));
        }
    }

    @Test
    void filterNumbers() {
        KeventAbi d = KeventAbi.DARWIN;
        KeventAbi f = KeventAbi.FREEBSD;
        assertEquals(-1, EventFilter.READ.value(d));
        assertEquals(-2, EventFilter.WRITE.value(d));
        assertEquals(-7, EventFilter.TIMER.value(d));
        assertEquals(-10, EventFilter.USER.value(d));
        assertEquals(-15, EventFilter.EXCEPT.value(d));
        assertEquals(-1, EventFilter.READ.value(f));
        assertEquals(-2, EventFilter.WRITE.value(f));
        assertEquals(-7, EventFilter.TIMER.value(f));
        assertEquals(-11, EventFilter.USER.value(f));
        assertEquals(-13, EventFilter.EMPTY.value(f));
        assertThrows(UnsupportedOperationException.class, () -> EventFilter.EMPTY.value(d));
        assertThrows(UnsupportedOperationException.class, () -> EventFilter.EXCEPT.value(f));
        assertEquals(EventFilter.USER, EventFilter.of((short) -10, d));
        assertEquals(EventFilter.USER, EventFilter.of((short) -11, f));
    }

    @Test
    void timerUnitBitsDifferPerKernel() {
        KeventAbi d = KeventAbi.DARWIN;
        KeventAbi f = KeventAbi.FREEBSD;
        assertEquals(0x1, TimerUnit.SECONDS.bits(d));
        assertEquals(0x0, TimerUnit.MILLISECONDS.bits(d));
        assertEquals(0x2, TimerUnit.MICROSECONDS.bits(d));
        assertEquals(0x4, TimerUnit.NANOSECONDS.bits(d));
        assertEquals(0x8, d.noteAbsolute);
        assertEquals(0x1, TimerUnit.SECONDS.bits(f));
        assertEquals(0x2, TimerUnit.MILLISECONDS.bits(f));
        assertEquals(0x4, TimerUnit.MICROSECONDS.bits(f));
        assertEquals(0x8, TimerUnit.NANOSECONDS.bits(f));
        assertEquals(0x10, f.noteAbsolute);
        assertEquals(0x1, d.keventFlagImmediate);
        assertEquals(0x2, d.keventFlagErrorEvents);
    }

    @Test
    void eventFlagsAndUserNotes() {
        assertEquals(0x0001, KeventAbi.EV_ADD);
        assertEquals(0x0002, KeventAbi.EV_DELETE);
        assertEquals(0x0004, KeventAbi.EV_ENABLE);
        assertEquals(0x0008, KeventAbi.EV_DISABLE);
        assertEquals(0x0010, KeventAbi.EV_ONESHOT);
        assertEquals(0x0020, KeventAbi.EV_CLEAR);
        assertEquals(0x0040, KeventAbi.EV_RECEIPT);
        assertEquals(0x0080, KeventAbi.EV_DISPATCH);
        assertEquals(0x4000, KeventAbi.EV_ERROR);
        assertEquals((short) 0x8000, KeventAbi.EV_EOF);
        assertEquals(0x01000000, KeventAbi.NOTE_TRIGGER);
        assertEquals(0x40000000, KeventAbi.NOTE_FFAND);
        assertEquals(0x80000000, KeventAbi.NOTE_FFOR);
        assertEquals(0xC0000000, KeventAbi.NOTE_FFCOPY);
        assertEquals(0x00FFFFFF, KeventAbi.NOTE_FFLAGSMASK);
    }

    @Test
    void socketConstants() {
        SocketAbi d = SocketAbi.DARWIN;
        SocketAbi f = SocketAbi.FREEBSD;
        SocketAbi l = SocketAbi.LINUX;
        assertEquals(30, d.afInet6);
        assertEquals(28, f.afInet6);
        assertEquals(10, l.afInet6);
        assertEquals(0xFFFF, d.solSocket);
        assertEquals(0xFFFF, f.solSocket);
        assertEquals(1, l.solSocket);
        assertEquals(0x1080, d.soLinger); // SO_LINGER_SEC: Darwin's SO_LINGER counts ticks
        assertEquals(0x80, f.soLinger);
        assertEquals(0xd, l.soLinger);
        assertEquals(0x1022, d.soNosigpipe);
        assertEquals(0x800, f.soNosigpipe);
        assertFalse(SocketAbi.has(l.soNosigpipe));
        assertEquals(0x80000, d.msgNosignal);
        assertEquals(0x20000, f.msgNosignal);
        assertEquals(0x4000, l.msgNosignal);
        assertEquals(0x1001, d.soSndbuf);
        assertEquals(0x7, l.soSndbuf);
        assertEquals(0x1002, f.soRcvbuf);
        assertEquals(0x8, l.soRcvbuf);
        assertEquals(0x200, d.soReuseport);
        assertEquals(0xf, l.soReuseport);
        assertEquals(0x4, d.tcpNopush);
        assertEquals(0x3, l.tcpNopush); // TCP_CORK
        assertEquals(0x10, d.tcpKeepidle); // TCP_KEEPALIVE
        assertEquals(0x100, f.tcpKeepidle);
        assertEquals(0x4, l.tcpKeepidle);
        assertEquals(3, d.ipTos);
        assertEquals(1, l.ipTos);
        assertEquals(36, d.ipv6Tclass);
        assertEquals(61, f.ipv6Tclass);
        assertEquals(67, l.ipv6Tclass);
        assertEquals(27, d.ipv6V6only);
        assertEquals(26, l.ipv6V6only);
        assertEquals(0x4, d.oNonblock);
        assertEquals(0x800, l.oNonblock);
        assertEquals(0x4004667fL, d.fionread);
        assertEquals(0x541bL, l.fionread);
        assertFalse(SocketAbi.has(d.sockNonblock));
        assertEquals(0x20000000, f.sockNonblock);
        assertEquals(0x800, l.sockNonblock);
        assertEquals(0x80000, l.sockCloexec);
        assertFalse(d.hasAccept4);
        assertTrue(f.hasAccept4 && l.hasAccept4);
        assertTrue(d.bsdSockaddr && f.bsdSockaddr);
        assertFalse(l.bsdSockaddr);
        assertEquals(104, d.sunPathSize);
        assertEquals(108, l.sunPathSize);
    }

    /**
     * Multicast options and structures: xnu bsd/netinet/in.h and in6.h (group_req inside
     * #pragma pack(4)), FreeBSD sys/netinet/in.h and in6.h, glibc bits/in.h and linux/in6.h.
     */
    @Test
    void multicastConstantsAndLayouts() {
        SocketAbi d = SocketAbi.DARWIN;
        SocketAbi f = SocketAbi.FREEBSD;
        SocketAbi l = SocketAbi.LINUX;
        for (SocketAbi bsd : new SocketAbi[] {d, f}) {
            assertEquals(9, bsd.ipMulticastIf);
            assertEquals(10, bsd.ipMulticastTtl);
            assertEquals(11, bsd.ipMulticastLoop);
            assertEquals(9, bsd.ipv6MulticastIf);
            assertEquals(10, bsd.ipv6MulticastHops);
            assertEquals(11, bsd.ipv6MulticastLoop);
            assertEquals(12, bsd.ipv6JoinGroup);
            assertEquals(13, bsd.ipv6LeaveGroup);
            assertEquals(80, bsd.mcastJoinGroup);
            assertEquals(81, bsd.mcastLeaveGroup);
            assertEquals(82, bsd.mcastJoinSourceGroup);
            assertEquals(83, bsd.mcastLeaveSourceGroup);
            assertEquals(84, bsd.mcastBlockSource);
            assertEquals(85, bsd.mcastUnblockSource);
            assertTrue(bsd.multicastByteValues, "IP_MULTICAST_TTL/LOOP take a u_char on the BSDs");
        }
        assertEquals(32, l.ipMulticastIf);
        assertEquals(33, l.ipMulticastTtl);
        assertEquals(34, l.ipMulticastLoop);
        assertEquals(17, l.ipv6MulticastIf);
        assertEquals(18, l.ipv6MulticastHops);
        assertEquals(19, l.ipv6MulticastLoop);
        assertEquals(20, l.ipv6JoinGroup);
        assertEquals(21, l.ipv6LeaveGroup);
        assertEquals(42, l.mcastJoinGroup);
        assertEquals(45, l.mcastLeaveGroup);
        assertEquals(46, l.mcastJoinSourceGroup);
        assertEquals(47, l.mcastLeaveSourceGroup);
        assertEquals(43, l.mcastBlockSource);
        assertEquals(44, l.mcastUnblockSource);
        assertFalse(l.multicastByteValues);
        // struct group_req { uint32_t gr_interface; struct sockaddr_storage gr_group; } and
        // group_source_req with gsr_source after it: packed to 4 on Darwin, 8-aligned elsewhere.
        assertEquals(4, d.groupReqGroupOffset);
        assertEquals(132, d.groupReqSize);
        assertEquals(132, d.groupSourceReqSourceOffset);
        assertEquals(260, d.groupSourceReqSize);
        for (SocketAbi aligned : new SocketAbi[] {f, l}) {
            assertEquals(8, aligned.groupReqGroupOffset);
            assertEquals(136, aligned.groupReqSize);
            assertEquals(136, aligned.groupSourceReqSourceOffset);
            assertEquals(264, aligned.groupSourceReqSize);
        }
        assertEquals(SocketAbi.V4Groups.MAPPED_IPV6_JOIN, d.v4GroupsOnInet6);
        assertEquals(SocketAbi.V4Groups.NONE, f.v4GroupsOnInet6);
        assertEquals(SocketAbi.V4Groups.IP_LEVEL, l.v4GroupsOnInet6);
    }

    @Test
    void errnoNumbersPerOs() {
        assertEquals(35, ErrnoTable.DARWIN.number("EAGAIN"));
        assertEquals(35, ErrnoTable.FREEBSD.number("EAGAIN"));
        assertEquals(11, ErrnoTable.LINUX.number("EAGAIN"));
        assertEquals(54, ErrnoTable.DARWIN.number("ECONNRESET"));
        assertEquals(104, ErrnoTable.LINUX.number("ECONNRESET"));
        assertEquals(102, ErrnoTable.DARWIN.number("EOPNOTSUPP"));
        assertEquals(45, ErrnoTable.FREEBSD.number("EOPNOTSUPP"));
        assertEquals(89, ErrnoTable.DARWIN.number("ECANCELED"));
        assertEquals(85, ErrnoTable.FREEBSD.number("ECANCELED"));
        assertEquals(-1, ErrnoTable.FREEBSD.number("ETIME"));
        assertEquals("EAGAIN", ErrnoTable.LINUX.name(11));
        assertEquals("EDEADLK", ErrnoTable.DARWIN.name(11));
        assertEquals("EBADF", ErrnoTable.DARWIN.name(9));
        assertEquals("ECONNREFUSED", ErrnoTable.LINUX.name(111));
        assertEquals("errno 9999", ErrnoTable.LINUX.name(9999));
    }

    @Test
    void platformPairsTables() {
        assertEquals(KeventAbi.DARWIN, Platform.LINUX_EMULATED.kevent);
        assertEquals(SocketAbi.LINUX, Platform.LINUX_EMULATED.socket);
        assertEquals(ErrnoTable.LINUX, Platform.LINUX_EMULATED.errno);
        assertEquals(KeventAbi.FREEBSD, Platform.FREEBSD.kevent);
        Platform freebsdOnLinux = Platform.of(Os.LINUX, "freebsd");
        assertEquals(Platform.LINUX_EMULATED_FREEBSD, freebsdOnLinux);
        assertEquals(KeventAbi.FREEBSD, freebsdOnLinux.kevent);
        assertEquals(SocketAbi.LINUX, freebsdOnLinux.socket);
        assertEquals("libkqueue-emulation-freebsd.so", freebsdOnLinux.emulationLibrary);
        assertEquals(Platform.LINUX_EMULATED, Platform.of(Os.LINUX));
        assertThrows(IllegalArgumentException.class, () -> Platform.of(Os.LINUX, "netbsd"));
        assertEquals(Os.DARWIN, Os.detect("Mac OS X"));
        assertEquals(Os.FREEBSD, Os.detect("FreeBSD"));
        assertEquals(Os.LINUX, Os.detect("Linux"));
        assertEquals(Os.OTHER, Os.detect("Windows 11"));
    }

    @Test
    void freebsdBefore12IsRefusedWithAReason() {
        assertTrue(Platform.refusal(Os.FREEBSD, "11.4-RELEASE-p13").contains("older than 12"));
        assertTrue(Platform.refusal(Os.FREEBSD, "10.3-RELEASE").contains("32-byte"));
        assertTrue(Platform.refusal(Os.FREEBSD, "").contains("FreeBSD 12+"));
        assertEquals(null, Platform.refusal(Os.FREEBSD, "12.0-RELEASE"));
        assertEquals(null, Platform.refusal(Os.FREEBSD, "14.1-RELEASE"));
        assertEquals(null, Platform.refusal(Os.DARWIN, "10.4"));
        assertEquals(null, Platform.refusal(Os.LINUX, "6.1.0"));
    }

    @Test
    void darwinLingerIsClampedToWhatAShortOfTicksHolds() {
        // xnu: so_linger (short) = l_linger * hz (100)
        assertEquals(327, SocketAbi.DARWIN.clampLinger(1000));
        assertTrue(SocketAbi.DARWIN.clampLinger(Integer.MAX_VALUE) * 100 <= Short.MAX_VALUE);
        assertEquals(327, SocketAbi.DARWIN.clampLinger(327));
        assertEquals(5, SocketAbi.DARWIN.clampLinger(5));
        assertEquals(-1, SocketAbi.DARWIN.clampLinger(-1));
        assertEquals(1000, SocketAbi.FREEBSD.clampLinger(1000));
        assertEquals(1000, SocketAbi.LINUX.clampLinger(1000));
    }

    @Test
    void fcntlArgumentWidthFollowsEachLibc() {
        // FreeBSD libc: va_arg(ap, long); glibc: a pointer; Darwin's Libsyscall: an int.
        assertTrue(SocketAbi.FREEBSD.fcntlLongArg);
        assertTrue(SocketAbi.LINUX.fcntlLongArg);
        assertFalse(SocketAbi.DARWIN.fcntlLongArg);
    }

    @Test
    void sendfileShapePerPlatform() {
        assertEquals(SendfileAbi.DARWIN, Platform.DARWIN.sendfile);
        assertEquals(SendfileAbi.FREEBSD, Platform.FREEBSD.sendfile);
        // The emulation exports Darwin's signature in front of glibc's reversed one.
        assertEquals(SendfileAbi.DARWIN, Platform.LINUX_EMULATED.sendfile);
        assertEquals(6, SendfileAbi.DARWIN.arity);
        assertEquals(7, SendfileAbi.FREEBSD.arity);
    }

    @Test
    void openCloexecPerOs() {
        assertEquals(0x1000000, SocketAbi.DARWIN.oCloexec);
        assertEquals(0x100000, SocketAbi.FREEBSD.oCloexec);
        assertEquals(0x80000, SocketAbi.LINUX.oCloexec);
    }

    @Test
    void everyErrnoTheTablesKnowHasAMessage() {
        for (ErrnoTable t : new ErrnoTable[] {ErrnoTable.DARWIN, ErrnoTable.FREEBSD, ErrnoTable.LINUX}) {
            for (String name : ErrnoTable.names()) {
                int n = t.number(name);
                if (n >= 0) {
                    String m = t.message(n);
                    assertFalse(m.startsWith("errno ") || m.contains("null"), t + " " + name + ": " + m);
                }
            }
        }
        assertEquals("Address family not supported by protocol family",
                ErrnoTable.LINUX.message(ErrnoTable.LINUX.number("EAFNOSUPPORT")));
    }

    /** abi.md 3.9, 4.2-4.4: control messages and credentials, per OS. */
    @Test
    void unixDomainLayouts() {
        SocketAbi d = SocketAbi.DARWIN;
        SocketAbi f = SocketAbi.FREEBSD;
        SocketAbi l = SocketAbi.LINUX;
        // CMSG_LEN / CMSG_SPACE for one and three descriptors.
        assertEquals(16, d.cmsgLen(4));
        assertEquals(16, d.cmsgSpace(4));
        assertEquals(24, d.cmsgSpace(12));
        assertEquals(20, f.cmsgLen(4));
        assertEquals(24, f.cmsgSpace(4));
        assertEquals(32, f.cmsgSpace(12));
        assertEquals(20, l.cmsgLen(4));
        assertEquals(24, l.cmsgSpace(4));
        assertEquals(32, l.cmsgSpace(12));
        assertEquals(4, d.cmsgLenSize);
        assertEquals(8, l.cmsgLenSize);
        assertEquals(44, d.msghdrOffFlags);
        assertEquals(44, f.msghdrOffFlags);
        assertEquals(48, l.msghdrOffFlags);
        assertEquals(0x20, d.msgCtrunc);
        assertEquals(0x8, l.msgCtrunc);
        assertFalse(SocketAbi.has(d.msgCmsgCloexec));
        assertEquals(0x40000, f.msgCmsgCloexec);
        assertEquals(0x40000000, l.msgCmsgCloexec);
        // Credentials: LOCAL_* at SOL_LOCAL (0) on the BSDs, SO_PEERCRED at SOL_SOCKET on Linux.
        assertEquals(0, d.solLocal);
        assertEquals(1, d.localPeercred);
        assertEquals(2, d.localPeerpid);
        assertEquals(76, d.xucredSize);
        assertEquals(88, f.xucredSize);
        assertEquals(80, f.xucredOffPid);
        assertFalse(SocketAbi.has(f.localPeerpid));
        assertEquals(0x11, l.soPeercred);
        assertFalse(SocketAbi.has(l.localPeercred));
        assertEquals(104, d.sunPathSize);
        assertEquals(108, l.sunPathSize);
        assertTrue(l.abstractUnixNames);
        assertFalse(d.abstractUnixNames || f.abstractUnixNames);
    }
}
