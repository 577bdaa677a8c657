package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.abi.Platform;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.ffi.NativeLibrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kqueueffm.event.EventFlag.ADD;
import static io.kqueueffm.event.EventFlag.CLEAR;
import static io.kqueueffm.event.EventFlag.DELETE;
import static io.kqueueffm.event.EventFlag.DISPATCH;
import static io.kqueueffm.event.EventFlag.ENABLE;
import static io.kqueueffm.event.EventFlag.ONESHOT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binding against the kernel's kqueue (or, on Linux, the emulation) over real pipes. */
class KqueueTest {
    private Kqueue kq;
    private final Arena arena = Arena.ofConfined();
    private int readFd = -1;
    private int writeFd = -1;

    @BeforeEach
    void open() throws NativeException {
        Kqueue.ensureAvailability();
        kq = Kqueue.open();
        MemorySegment fds = arena.allocate(JAVA_INT, 2);
        assertEquals(0, LibC.pipe(Errno.threadSegment(), fds.address()));
        readFd = fds.getAtIndex(JAVA_INT, 0);
        writeFd = fds.getAtIndex(JAVA_INT, 1);
    }

    @AfterEach
    void close() throws NativeException {
        kq.close();
        if (readFd >= 0) {
            LibC.close(Errno.threadSegment(), readFd);
        }
        if (writeFd >= 0) {
            LibC.close(Errno.threadSegment(), writeFd);
        }
        arena.close();
    }

    private void writeBytes(int n) {
        MemorySegment buf = arena.allocate(n);
        assertEquals(n, LibC.write(Errno.threadSegment(), writeFd, buf.address(), n));
    }

    @Test
    void readReadinessCarriesByteCountAndUdata() throws NativeException {
        kq.register(KEvent.read(readFd, 0xDEADBEEFCAFEL, ADD, CLEAR));
        assertTrue(kq.poll(4, Timeout.ZERO).isEmpty());
        writeBytes(5);
        List<KEvent> ev = kq.poll(4, Timeout.ofMillis(5000));
        assertEquals(1, ev.size());
        KEvent e = ev.get(0);
        assertEquals(readFd, e.ident());
        assertEquals(EventFilter.READ, e.filter());
        assertEquals(5, e.data());
        assertEquals(0xDEADBEEFCAFEL, e.udata());
        // EV_CLEAR: no new data, no new event
        assertTrue(kq.poll(4, Timeout.ZERO).isEmpty());
    }

    @Test
    void levelTriggeredRepeatsAndDispatchDisables() throws NativeException {
        writeBytes(3);
        kq.register(KEvent.read(readFd, 1, ADD));
        assertEquals(1, kq.poll(4, Timeout.ZERO).size());
        assertEquals(1, kq.poll(4, Timeout.ZERO).size());
        // a fresh knote: whether EV_ADD on an existing one adopts EV_DISPATCH is kernel lore
        kq.register(KEvent.read(readFd, 1, DELETE));
        kq.register(KEvent.read(readFd, 1, ADD, DISPATCH));
        assertEquals(1, kq.poll(4, Timeout.ZERO).size());
        assertTrue(kq.poll(4, Timeout.ZERO).isEmpty());
        kq.register(KEvent.read(readFd, 1, ENABLE));
        assertEquals(1, kq.poll(4, Timeout.ZERO).size());
    }

    @Test
    void writerCloseGivesEof() throws NativeException {
        kq.register(KEvent.read(readFd, 7, ADD));
        LibC.close(Errno.threadSegment(), writeFd);
        writeFd = -1;
        List<KEvent> ev = kq.poll(1, Timeout.ofMillis(5000));
        assertEquals(1, ev.size());
        assertTrue(ev.get(0).isEof());
    }

    @Test
    void changeErrorsAreReportedPerChange() throws NativeException {
        List<KEvent> results = kq.apply(List.of(
                KEvent.read(readFd, 1, ADD),
                KEvent.read(999_999, 2, ADD),
                KEvent.write(readFd, 3, DELETE)));
        assertEquals(3, results.size());
        assertEquals(0, results.get(0).errno());
        assertTrue(results.get(0).has(EventFlag.ERROR));
        assertEquals(Errno.EBADF, results.get(1).errno());
        assertEquals(2, results.get(1).udata());
        assertEquals(Errno.ENOENT, results.get(2).errno());
        KeventChangeException ex = assertThrows(KeventChangeException.class,
                () -> kq.register(KEvent.read(999_999, 9, ADD)));
        assertEquals(Errno.EBADF, ex.errno());
        assertEquals("EBADF", ex.errnoName());
        assertTrue(ex.getMessage().contains("EBADF"), ex.getMessage());
        assertEquals(999_999, ex.change().ident());
    }

    @Test
    void userEventWakesBlockedWaiterFromAnotherThread() throws Exception {
        kq.register(KEvent.user(42, 5, ADD, CLEAR));
        CompletableFuture<List<KEvent>> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return kq.poll(4, Timeout.INFINITE);
            } catch (NativeException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(waiter.isDone());
        kq.register(KEvent.trigger(42, UserOp.OR, 0x30, 5));
        List<KEvent> ev = waiter.get(10, TimeUnit.SECONDS);
        assertEquals(1, ev.size());
        assertEquals(EventFilter.USER, ev.get(0).filter());
        assertEquals(42, ev.get(0).ident());
        assertEquals(0x30, ev.get(0).userFlags());
        // EV_CLEAR: consumed
        assertTrue(kq.poll(4, Timeout.ZERO).isEmpty());
    }

    @Test
    void oneShotTimerFiresOnce() throws NativeException {
        KeventAbi abi = Kqueue.abi();
        kq.register(KEvent.timer(1, 20, TimerUnit.MILLISECONDS, abi, 77, ADD, ONESHOT));
        List<KEvent> ev = kq.poll(4, Timeout.ofMillis(5000));
        assertEquals(1, ev.size());
        assertEquals(EventFilter.TIMER, ev.get(0).filter());
        assertEquals(77, ev.get(0).udata());
        assertEquals(1, ev.get(0).data());
        assertTrue(kq.poll(4, Timeout.ofMillis(60)).isEmpty());
        // deleted after delivery
        assertEquals(Errno.ENOENT, kq.apply(List.of(new KEvent(1, EventFilter.TIMER, KEvent.flags(DELETE), 0, 0, 0)))
                .get(0).errno());
    }

    @Test
    void timerUnitBitsMeanTheirUnit() throws NativeException {
        // the unit bits differ between kernels (0x4 is ns on Darwin, us on FreeBSD): a 30 ms timer
        // in each unit must fire, and not before 30 ms
        KeventAbi abi = Kqueue.abi();
        for (TimerUnit unit : List.of(TimerUnit.MILLISECONDS, TimerUnit.MICROSECONDS, TimerUnit.NANOSECONDS)) {
            long amount = unit.timeUnit.convert(30, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            kq.register(KEvent.timer(2, amount, unit, abi, 5, ADD, ONESHOT));
            List<KEvent> ev = kq.poll(4, Timeout.ofMillis(5000));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, ev.size(), unit.name());
            assertTrue(elapsedMillis >= 29, unit + " fired after " + elapsedMillis + " ms");
        }
    }

    @Test
    void rawPathRoundTrip() throws NativeException {
        try (EventArray changes = new EventArray(4); EventArray events = new EventArray(1)) {
            KeventAbi abi = Kqueue.abi();
            changes.add(readFd, EventFilter.READ.value(abi), KeventAbi.EV_ADD, 0, 0, 11);
            changes.add(12, EventFilter.USER.value(abi), (short) (KeventAbi.EV_ADD | KeventAbi.EV_CLEAR), 0, 0, 12);
            changes.add(12, EventFilter.USER.value(abi), (short) 0, KeventAbi.NOTE_TRIGGER, 0, 12);
            assertEquals(3, changes.length());
            writeBytes(1);
            // eventlist of 1 with 2 ready: one now, the other on the next call
            assertEquals(1, kq.kevent(changes, changes.length(), events, 1, 1_000_000_000L));
            long first = events.udata(0);
            assertEquals(1, kq.kevent(null, 0, events, 1, 0));
            long second = events.udata(0);
            assertEquals(11 + 12, first + second);
            // grows by doubling and keeps its content
            changes.clear();
            for (int i = 0; i < 9; i++) {
                changes.add(i, EventFilter.USER.value(abi), KeventAbi.EV_ADD, 0, 0, i);
            }
            assertEquals(16, changes.capacity());
            assertEquals(8, changes.udata(8) - changes.udata(0));
        }
    }

    @Test
    void closedKqueueReportsEbadfByName() throws NativeException {
        Kqueue other = Kqueue.open();
        other.close();
        NativeException e = assertThrows(NativeException.class, () -> other.poll(1, Timeout.ZERO));
        assertEquals(Errno.EBADF, e.errno());
        assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
        other.close(); // idempotent
    }

    @Test
    void closingAnFdDropsItsKnotes() throws NativeException {
        kq.register(KEvent.read(readFd, 1, ADD));
        LibC.close(Errno.threadSegment(), readFd);
        int closed = readFd;
        readFd = -1;
        // the knote is gone either way; FreeBSD checks the fd before looking (semantics.md 10.7)
        int expected = Kqueue.abi() == KeventAbi.FREEBSD ? Errno.EBADF : Errno.ENOENT;
        assertEquals(expected, kq.apply(List.of(KEvent.read(closed, 1, DELETE))).get(0).errno());
    }

    @Test
    void runsTheSelectedKeventAbi() {
        // on Linux, -Dkqueueffm.emulation.abi=freebsd must really switch table, entry point and library
        boolean freebsd = "freebsd".equals(System.getProperty(Platform.EMULATED_ABI_PROPERTY))
                || Platform.current() == Platform.FREEBSD;
        assertEquals(freebsd ? KeventAbi.FREEBSD : KeventAbi.DARWIN, Kqueue.abi());
        if (Platform.current().emulated) {
            assertTrue(NativeLibrary.description().contains(Platform.current().emulationLibrary),
                    NativeLibrary.description());
        }
    }

    @Test
    void timeoutValidation() {
        assertThrows(IllegalArgumentException.class, () -> Timeout.ofMillis(-1));
        assertEquals(Timeout.MAX_NANOS, Timeout.ofMillis(Long.MAX_VALUE).toNanos());
        assertTrue(Timeout.INFINITE.isInfinite());
    }
}
