package io.kqueueffm.microbench;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.event.EventArray;
import io.kqueueffm.event.Kqueue;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.ffi.NativeException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Cost of the raw kevent binding (FFM downcall + kernel/emulation work) against the JDK's own
 * {@link Selector} doing the equivalent work. Each kqueue benchmark has a {@code selector*} twin:
 *
 * <ul>
 *   <li>(a) {@code *EmptyPoll}: one call, no changes, zero timeout, nothing registered.</li>
 *   <li>(b) {@code *ChangeAndCollect}: one level-triggered read registration on a pipe with 1 byte
 *       pending. kqueue re-submits EV_ADD|EV_ENABLE and collects the event in the same call (what the
 *       event loop does when interest changes); NIO re-sets the same interest ops (a no-op in the JDK)
 *       and calls selectNow.</li>
 *   <li>(c) {@code *WakeupRoundTrip}: the benchmark thread wakes a thread blocked in an infinite
 *       wait (kqueue: EVFILT_USER NOTE_TRIGGER on an EV_CLEAR user event; NIO: Selector.wakeup()),
 *       which wakes the benchmark thread back the same way through a second kqueue/selector.
 *       Two blocking wakeups per op.</li>
 *   <li>(d) {@code *Wait10k*}: 10,000 registered read interests (5,000 AF_UNIX stream pairs, both
 *       ends registered) of which exactly 1 is readable; kqueue additionally with 10,000 EVFILT_USER
 *       knotes of which 1 is triggered (no EV_CLEAR, so it stays triggered).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KeventBenchmark {
    static final KeventAbi ABI = Kqueue.abi();
    static final int EVENTS = 64;
    static final int KNOTES = 10_000;

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    /** pipe(2) through the binding: [read fd, write fd]. */
    static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int r = LibC.pipe(Errno.threadSegment(), fds.address());
            check(r == 0, "pipe: errno " + -r);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    static int[] socketpair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int r = LibC.socketpair(Errno.threadSegment(), 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, fds.address());
            check(r == 0, "socketpair: errno " + -r);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    static void writeByte(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(1);
            b.set(JAVA_BYTE, 0, (byte) 'x');
            long r = LibC.write(Errno.threadSegment(), fd, b.address(), 1);
            check(r == 1, "write: " + r);
        }
    }

    static void close(int fd) {
        LibC.close(Errno.threadSegment(), fd);
    }

    // ---------------------------------------------------------------- (a) empty poll

    @State(Scope.Thread)
    public static class KqEmpty {
        Kqueue kq;
        EventArray events;

        @Setup
        public void setup() throws NativeException {
            kq = Kqueue.open();
            events = new EventArray(ABI, EVENTS);
        }

        @TearDown
        public void tearDown() throws NativeException {
            kq.close();
            events.close();
        }
    }

    @Benchmark
    public int kqueueEmptyPoll(KqEmpty s) throws NativeException {
        return s.kq.kevent(null, 0, s.events, EVENTS, 0);
    }

    @State(Scope.Thread)
    public static class SelEmpty {
        Selector selector;

        @Setup
        public void setup() throws IOException {
            selector = Selector.open();
        }

        @TearDown
        public void tearDown() throws IOException {
            selector.close();
        }
    }

    @Benchmark
    public int selectorEmptySelectNow(SelEmpty s) throws IOException {
        return s.selector.selectNow();
    }

    // ---------------------------------------------------------------- (b) change + collect

    @State(Scope.Thread)
    public static class KqChange {
        Kqueue kq;
        EventArray changes;
        EventArray events;
        int[] pipe;

        @Setup
        public void setup() throws NativeException {
            kq = Kqueue.open();
            pipe = pipe();
            writeByte(pipe[1]);
            changes = new EventArray(ABI, 1);
            changes.add(pipe[0], ABI.evfiltRead, (short) (KeventAbi.EV_ADD | KeventAbi.EV_ENABLE), 0, 0, 42);
            events = new EventArray(ABI, EVENTS);
            int n = kq.kevent(changes, 1, events, EVENTS, 0);
            check(n == 1 && events.udata(0) == 42 && events.data(0) == 1, "expected 1 read event, got " + n);
        }

        @TearDown
        public void tearDown() throws NativeException {
            kq.close();
            close(pipe[0]);
            close(pipe[1]);
            changes.close();
            events.close();
        }
    }

    @Benchmark
    public int kqueueChangeAndCollect(KqChange s) throws NativeException {
        return s.kq.kevent(s.changes, 1, s.events, EVENTS, 0);
    }

    @State(Scope.Thread)
    public static class SelChange {
        Selector selector;
        Pipe pipe;
        SelectionKey key;
        Consumer<SelectionKey> action;
        int seen;

        @Setup
        public void setup() throws IOException {
            selector = Selector.open();
            pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {'x'}));
            key = pipe.source().register(selector, SelectionKey.OP_READ);
            action = k -> seen++;
            int n = selector.selectNow(action);
            check(n == 1, "expected 1 ready key, got " + n);
        }

        @TearDown
        public void tearDown() throws IOException {
            selector.close();
            pipe.source().close();
            pipe.sink().close();
        }
    }

    /** selectNow(Consumer): no selected-key set to clear, so the key is reported on every call. */
    @Benchmark
    public int selectorChangeAndCollect(SelChange s) throws IOException {
        s.key.interestOps(SelectionKey.OP_READ);
        return s.selector.selectNow(s.action);
    }

    // ---------------------------------------------------------------- (c) wakeup round trip

    /** Blocks in kevent(infinite) on {@code to}, answers every wakeup by triggering {@code back}. */
    @State(Scope.Benchmark)
    public static class KqWakeup {
        Kqueue to;
        Kqueue back;
        EventArray triggerTo;
        EventArray waitBack;
        Thread responder;
        volatile boolean running = true;

        @Setup
        public void setup() throws Exception {
            to = Kqueue.open();
            back = Kqueue.open();
            try (EventArray reg = new EventArray(ABI, 1)) {
                reg.add(1, ABI.evfiltUser, (short) (KeventAbi.EV_ADD | KeventAbi.EV_CLEAR), 0, 0, 0);
                to.kevent(reg, 1, null, 0, 0);
                back.kevent(reg, 1, null, 0, 0);
            }
            triggerTo = new EventArray(ABI, 1);
            triggerTo.add(1, ABI.evfiltUser, (short) 0, KeventAbi.NOTE_TRIGGER, 0, 0);
            waitBack = new EventArray(ABI, 1);
            responder = new Thread(() -> {
                try (EventArray trig = new EventArray(ABI, 1); EventArray ev = new EventArray(ABI, 1)) {
                    trig.add(1, ABI.evfiltUser, (short) 0, KeventAbi.NOTE_TRIGGER, 0, 0);
                    while (running) {
                        int n = to.kevent(null, 0, ev, 1, -1);
                        if (n == 1) {
                            back.kevent(trig, 1, null, 0, -1);
                        }
                    }
                } catch (NativeException e) {
                    if (running) {
                        e.printStackTrace();
                    }
                }
            }, "kq-responder");
            responder.setDaemon(true);
            responder.start();
        }

        @TearDown
        public void tearDown() throws Exception {
            running = false;
            to.kevent(triggerTo, 1, null, 0, -1);
            responder.join(5000);
            to.close();
            back.close();
            triggerTo.close();
            waitBack.close();
        }
    }

    @Benchmark
    public int kqueueWakeupRoundTrip(KqWakeup s) throws NativeException {
        s.to.kevent(s.triggerTo, 1, null, 0, -1);
        return s.back.kevent(null, 0, s.waitBack, 1, -1);
    }

    @State(Scope.Benchmark)
    public static class SelWakeup {
        Selector to;
        Selector back;
        Thread responder;
        volatile boolean running = true;

        @Setup
        public void setup() throws IOException {
            to = Selector.open();
            back = Selector.open();
            responder = new Thread(() -> {
                try {
                    while (running) {
                        to.select();
                        back.wakeup();
                    }
                } catch (IOException e) {
                    if (running) {
                        e.printStackTrace();
                    }
                }
            }, "selector-responder");
            responder.setDaemon(true);
            responder.start();
        }

        @TearDown
        public void tearDown() throws Exception {
            running = false;
            to.wakeup();
            responder.join(5000);
            to.close();
            back.close();
        }
    }

    @Benchmark
    public int selectorWakeupRoundTrip(SelWakeup s) throws IOException {
        s.to.wakeup();
        return s.back.select();
    }

    // ---------------------------------------------------------------- (d) 10,000 knotes, 1 ready

    @State(Scope.Thread)
    public static class KqMany {
        Kqueue kq;
        EventArray events;
        final List<int[]> pairs = new ArrayList<>();

        @Setup
        public void setup() throws NativeException {
            kq = Kqueue.open();
            events = new EventArray(ABI, EVENTS);
            try (EventArray chg = new EventArray(ABI, KNOTES)) {
                for (int i = 0; i < KNOTES / 2; i++) {
                    int[] p = socketpair();
                    pairs.add(p);
                    chg.add(p[0], ABI.evfiltRead, KeventAbi.EV_ADD, 0, 0, 2L * i + 1);
                    chg.add(p[1], ABI.evfiltRead, KeventAbi.EV_ADD, 0, 0, 2L * i + 2);
                }
                int n = kq.kevent(chg, chg.length(), null, 0, 0);
                check(n == 0, "registration errors: " + n);
            }
            int[] mid = pairs.get(pairs.size() / 2);
            writeByte(mid[1]);
            int n = kq.kevent(null, 0, events, EVENTS, 0);
            check(n == 1 && events.ident(0) == mid[0], "expected 1 ready, got " + n);
        }

        @TearDown
        public void tearDown() throws NativeException {
            kq.close();
            for (int[] p : pairs) {
                close(p[0]);
                close(p[1]);
            }
            events.close();
        }
    }

    @Benchmark
    public int kqueueWait10kSockets1Ready(KqMany s) throws NativeException {
        return s.kq.kevent(null, 0, s.events, EVENTS, 0);
    }

    @State(Scope.Thread)
    public static class KqManyUser {
        Kqueue kq;
        EventArray events;

        @Setup
        public void setup() throws NativeException {
            kq = Kqueue.open();
            events = new EventArray(ABI, EVENTS);
            try (EventArray chg = new EventArray(ABI, KNOTES)) {
                for (int i = 0; i < KNOTES; i++) {
                    chg.add(i, ABI.evfiltUser, KeventAbi.EV_ADD, 0, 0, i);
                }
                int n = kq.kevent(chg, chg.length(), null, 0, 0);
                check(n == 0, "registration errors: " + n);
                chg.clear();
                chg.add(KNOTES / 2, ABI.evfiltUser, (short) 0, KeventAbi.NOTE_TRIGGER, 0, 0);
                kq.kevent(chg, 1, null, 0, 0);
            }
            int n = kq.kevent(null, 0, events, EVENTS, 0);
            check(n == 1 && events.ident(0) == KNOTES / 2, "expected 1 ready, got " + n);
            n = kq.kevent(null, 0, events, EVENTS, 0);
            check(n == 1, "user event without EV_CLEAR should stay triggered, got " + n);
        }

        @TearDown
        public void tearDown() throws NativeException {
            kq.close();
            events.close();
        }
    }

    @Benchmark
    public int kqueueWait10kUser1Ready(KqManyUser s) throws NativeException {
        return s.kq.kevent(null, 0, s.events, EVENTS, 0);
    }

    @State(Scope.Thread)
    public static class SelMany {
        Selector selector;
        Path dir;
        ServerSocketChannel server;
        final List<SocketChannel> channels = new ArrayList<>();
        Consumer<SelectionKey> action;
        int seen;

        @Setup
        public void setup() throws IOException {
            selector = Selector.open();
            dir = Files.createTempDirectory("kqbench");
            Path sock = dir.resolve("s");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(sock), KNOTES);
            SocketChannel writer = null;
            for (int i = 0; i < KNOTES / 2; i++) {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                SocketChannel a = server.accept();
                for (SocketChannel ch : new SocketChannel[] {c, a}) {
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ);
                    channels.add(ch);
                }
                if (i == KNOTES / 4) {
                    writer = c;
                }
            }
            writer.write(ByteBuffer.wrap(new byte[] {'x'}));
            action = k -> seen++;
            int n = selector.selectNow(action);
            check(n == 1, "expected 1 ready, got " + n);
        }

        @TearDown
        public void tearDown() throws IOException {
            selector.close();
            for (SocketChannel c : channels) {
                c.close();
            }
            server.close();
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public int selectorWait10kSockets1Ready(SelMany s) throws IOException {
        return s.selector.selectNow(s.action);
    }

    // ---------------------------------------------------------------- (e) errno capture segment's arena

    /**
     * The same empty poll as (a), but calling {@link LibC} directly with the errno capture segment
     * from a shared arena (what {@link EventArray} and the loop's buffers use: every downcall then
     * does an acquire CAS and a release on the shared session) vs an automatic arena (no-op
     * acquire/release).
     */
    @State(Scope.Thread)
    public static class KqCapture {
        @org.openjdk.jmh.annotations.Param({"shared", "auto"})
        public String arena;
        Kqueue kq;
        EventArray events;
        Arena owner;
        MemorySegment errno;
        long eventsAddr;

        @Setup
        public void setup() throws NativeException {
            kq = Kqueue.open();
            events = new EventArray(ABI, EVENTS);
            eventsAddr = events.address();
            owner = arena.equals("shared") ? Arena.ofShared() : Arena.ofAuto();
            errno = Errno.allocate(owner);
        }

        @TearDown
        public void tearDown() throws NativeException {
            kq.close();
            events.close();
            if (arena.equals("shared")) {
                owner.close();
            }
        }
    }

    @Benchmark
    public int kqueueEmptyPollRawCapture(KqCapture s) {
        if (ABI.kevent64) {
            return LibC.kevent64(s.errno, s.kq.fd(), 0, 0, s.eventsAddr, EVENTS, ABI.keventFlagImmediate, 0);
        }
        throw new UnsupportedOperationException("kevent64 ABI only");
    }
}
