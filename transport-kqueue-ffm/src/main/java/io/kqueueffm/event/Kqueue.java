package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.abi.Platform;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.LibC;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.ffi.NativeLibrary;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A kqueue: owns its fd, closes it once. Typed calls ({@link #kevent(List, int, Timeout)},
 * {@link #register}, {@link #apply}) are safe from any thread and allocate; the raw call
 * ({@link #kevent(EventArray, int, EventArray, int, long)}) allocates nothing and is what an event
 * loop uses.
 *
 * <p>Darwin goes through {@code kevent64}, FreeBSD through {@code kevent}; which one is a property of
 * the {@link KeventAbi} table, decided once.
 */
public final class Kqueue implements AutoCloseable {
    private static final KeventAbi ABI = Platform.current().kevent;
    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Kqueue(int fd) {
        this.fd = fd;
    }

    private static Throwable probe() {
        Throwable cause = NativeLibrary.unavailabilityCause();
        if (cause != null) {
            return cause;
        }
        String entry = ABI.kevent64 ? "kevent64" : "kevent";
        if (!LibC.has("kqueue") || !LibC.has(entry)) {
            return new UnsupportedOperationException("kqueue()/" + entry + "() not found in " + NativeLibrary.description());
        }
        MemorySegment cs = Errno.threadSegment();
        int kq = LibC.kqueue(cs);
        if (kq < 0) {
            return new NativeException("kqueue", -kq, "probing availability");
        }
        LibC.close(cs, kq);
        return null;
    }

    /** Whether kqueue can be used here: macOS/FreeBSD, or Linux with the emulation on the class path. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why kqueue cannot be used, or null. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** Throws an {@link UnsatisfiedLinkError} explaining why kqueue cannot be used. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw (Error) new UnsatisfiedLinkError("kqueue-ffm is unavailable: " + UNAVAILABILITY_CAUSE.getMessage())
                    .initCause(UNAVAILABILITY_CAUSE);
        }
    }

    public static KeventAbi abi() {
        return ABI;
    }

    public static Kqueue open() throws NativeException {
        ensureAvailability();
        int kq = LibC.kqueue(Errno.threadSegment());
        if (kq < 0) {
            throw new NativeException("kqueue", -kq, null);
        }
        return new Kqueue(kq);
    }

    public int fd() {
        return fd;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * One kevent call: apply {@code nchanges} records of {@code changes}, then collect up to
     * {@code nevents} into {@code events}. {@code timeoutNanos} &lt; 0 waits forever, 0 polls.
     * EINTR is retried (the changes were already applied) with what remains of the timeout.
     * Scratch memory comes from {@code events} (or {@code changes} when there is no eventlist).
     *
     * @return the number of records written to {@code events}
     */
    public int kevent(EventArray changes, int nchanges, EventArray events, int nevents, long timeoutNanos)
            throws NativeException {
        EventArray scratch = events != null ? events : changes;
        if (scratch == null) {
            return 0;
        }
        if (changes != null && (nchanges < 0 || nchanges > changes.capacity())
                || events != null && (nevents < 0 || nevents > events.capacity())) {
            throw new IndexOutOfBoundsException("nchanges=" + nchanges + ", nevents=" + nevents);
        }
        long chg = changes == null ? 0 : changes.address();
        long ev = events == null ? 0 : events.address();
        if (events == null) {
            nevents = 0;
        }
        if (changes == null) {
            nchanges = 0;
        }
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        for (;;) {
            int r = call(scratch, chg, nchanges, ev, nevents, timeoutNanos);
            if (r >= 0) {
                return r;
            }
            if (-r != Errno.EINTR) {
                throw new NativeException(ABI.kevent64 ? "kevent64" : "kevent", -r,
                        "kq=" + fd + ", nchanges=" + nchanges + ", nevents=" + nevents);
            }
            nchanges = 0;
            if (timeoutNanos > 0) {
                timeoutNanos = Math.max(0, deadline - System.nanoTime());
            }
        }
    }

    private int call(EventArray scratch, long chg, int nchanges, long ev, int nevents, long timeoutNanos) {
        long ts = 0;
        int flags = 0;
        if (timeoutNanos == 0 && ABI.keventFlagImmediate != 0) {
            flags = ABI.keventFlagImmediate;
        } else if (timeoutNanos >= 0) {
            long t = Math.min(timeoutNanos, Timeout.MAX_NANOS);
            scratch.timespec.set(JAVA_LONG, 0, t / 1_000_000_000L);
            scratch.timespec.set(JAVA_LONG, 8, t % 1_000_000_000L);
            ts = scratch.timespec.address();
        }
        if (ABI.kevent64) {
            return LibC.kevent64(scratch.errno, fd, chg, nchanges, ev, nevents, flags, ts);
        }
        return LibC.kevent(scratch.errno, fd, chg, nchanges, ev, nevents, ts);
    }

    /** Apply {@code changes} and collect up to {@code maxEvents} events (EV_ERROR records included). */
    public List<KEvent> kevent(List<KEvent> changes, int maxEvents, Timeout timeout) throws NativeException {
        if (maxEvents < 0) {
            throw new IllegalArgumentException("maxEvents < 0: " + maxEvents);
        }
        try (EventArray chg = changes.isEmpty() ? null : EventArray.confined(ABI, changes.size());
             EventArray ev = EventArray.confined(ABI, Math.max(1, maxEvents))) {
            for (int i = 0; i < changes.size(); i++) {
                chg.set(i, changes.get(i));
            }
            int n = kevent(chg, changes.size(), maxEvents == 0 ? null : ev, maxEvents, timeout.toNanos());
            List<KEvent> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(ev.get(i));
            }
            return out;
        }
    }

    /** Wait for events without changes. */
    public List<KEvent> poll(int maxEvents, Timeout timeout) throws NativeException {
        return kevent(List.of(), maxEvents, timeout);
    }

    /**
     * Apply every change with EV_RECEIPT, so that each yields exactly one record: the result list is
     * in the order of {@code changes}, each with {@link KEvent#errno()} 0 on success. Never waits.
     */
    public List<KEvent> apply(List<KEvent> changes) throws NativeException {
        if (changes.isEmpty()) {
            return List.of();
        }
        List<KEvent> withReceipt = new ArrayList<>(changes.size());
        for (KEvent c : changes) {
            EnumSet<EventFlag> f = c.flags().isEmpty() ? EnumSet.noneOf(EventFlag.class) : EnumSet.copyOf(c.flags());
            f.add(EventFlag.RECEIPT);
            withReceipt.add(new KEvent(c.ident(), c.filter(), f, c.fflags(), c.data(), c.udata(), c.ext0(), c.ext1()));
        }
        return kevent(withReceipt, changes.size(), Timeout.ZERO);
    }

    /** Apply changes; throws for the first one the kernel refused (the others were still applied). */
    public void register(KEvent... changes) throws NativeException {
        List<KEvent> list = List.of(changes);
        List<KEvent> results = apply(list);
        for (int i = 0; i < results.size(); i++) {
            KEvent r = results.get(i);
            if (r.isError()) {
                throw new KeventChangeException(list.get(i), r.errno());
            }
        }
    }

    @Override
    public void close() throws NativeException {
        if (closed.compareAndSet(false, true)) {
            int r = LibC.close(Errno.threadSegment(), fd);
            if (r < 0 && -r != Errno.EINTR) {
                throw new NativeException("close", -r, "kqueue fd " + fd);
            }
        }
    }

    @Override
    public String toString() {
        return "Kqueue(fd=" + fd + ", " + ABI + (closed.get() ? ", closed" : "") + ")";
    }
}
