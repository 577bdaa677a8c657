package io.kqueueffm.channel;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.event.EventArray;
import io.kqueueffm.event.EventFlag;
import io.kqueueffm.event.KEvent;
import io.kqueueffm.event.Kqueue;
import io.kqueueffm.event.TimerUnit;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.collection.LongObjectMap;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.StringUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A Netty {@link IoHandler} driven by one kevent call per loop turn.
 *
 * <p>Changes submitted by registrations are appended to a native changelist and go into the next
 * kevent call together with the wait: no syscall per interest change. Wakeups from other threads
 * trigger an EVFILT_USER event, at most once per sleep. The next scheduled task's deadline is an
 * EVFILT_TIMER, re-armed only when that deadline changes, so the wait itself blocks with no timeout.
 * Events find their registration through a 64-bit id in udata that is never reused, so an event
 * for a closed channel can never reach a newer channel that got the same fd number.
 */
public final class KQueueFfmIoHandler implements IoHandler {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(KQueueFfmIoHandler.class);
    private static final KeventAbi ABI = Kqueue.abi();
    private static final AtomicIntegerFieldUpdater<KQueueFfmIoHandler> SLEEPING =
            AtomicIntegerFieldUpdater.newUpdater(KQueueFfmIoHandler.class, "sleeping");
    /**
     * ident of the wakeup user event and of the deadline timer. Handles name their ident as an int,
     * which reaches the kernel sign-extended (below 2^31 or from 2^64 - 2^31 up): 2^32 is an ident
     * no handle can name, so no user timer or user event can replace or delete the loop's own.
     */
    private static final long LOOP_IDENT = 1L << 32;
    /** udata 0 marks the loop's own events; registration ids start at 1. */
    private static final long LOOP_UDATA = 0;
    private static final long NO_DEADLINE = Long.MIN_VALUE;
    /** Far deadlines are approached in steps of a day: kernels reject huge timer values (ERANGE). */
    private static final long MAX_TIMER_NANOS = 86_400L * 1_000_000_000L;
    private static final int DEFAULT_MAX_EVENTS = 1024;

    private final ThreadAwareExecutor executor;
    private final Kqueue kqueue;
    private final EventArray changes;
    private final EventArray events;
    /** Receipts of {@link #applyChangesNow}: never mixed with the eventlist being processed. */
    private final EventArray receipts;
    private final boolean allowGrowing;
    private final LongObjectMap<Registration> registrations = new LongObjectHashMap<>(4096);
    private final ArrayDeque<Registration> cancelled = new ArrayDeque<>();
    private final LoopBuffers buffers;
    /**
     * The wakeup change, written once and only read afterwards, so that any number of threads may
     * submit it at once. Freed by the GC, not by destroy(): a late wakeup may still pass it to the
     * kernel (and get EBADF) after the loop is gone.
     */
    private final EventArray trigger = EventArray.gcManaged(ABI, 1);
    private final short filterUser = ABI.evfiltUser;
    private final short filterTimer = ABI.evfiltTimer;
    private long nextId = 1;
    private long armedDeadline = NO_DEADLINE;
    /** The kernel refused the deadline timer (e.g. no fd left for the emulation's timerfd): wait with timeouts. */
    private boolean timerRefused;
    private boolean destroyed;

    private volatile int sleeping;

    private KQueueFfmIoHandler(ThreadAwareExecutor executor, int maxEvents) {
        this.executor = ObjectUtil.checkNotNull(executor, "executor");
        KQueueFfm.ensureAvailability();
        allowGrowing = maxEvents == 0;
        int capacity = maxEvents == 0 ? DEFAULT_MAX_EVENTS : maxEvents;
        Kqueue kq = null;
        EventArray chg = null;
        EventArray ev = null;
        EventArray rec = null;
        LoopBuffers buf = null;
        try {
            buf = new LoopBuffers();
            kq = Kqueue.open();
            chg = new EventArray(ABI, 256);
            ev = new EventArray(ABI, capacity);
            rec = new EventArray(ABI, 16);
            kq.register(KEvent.user(LOOP_IDENT, LOOP_UDATA, EventFlag.ADD, EventFlag.CLEAR));
        } catch (NativeException | RuntimeException e) {
            closeQuietly(kq, chg, ev);
            if (rec != null) {
                rec.close();
            }
            if (buf != null) {
                buf.close();
            }
            throw new IllegalStateException("cannot create the kqueue event loop: " + e.getMessage(), e);
        }
        trigger.set(0, LOOP_IDENT, ABI.evfiltUser, (short) 0, KeventAbi.NOTE_TRIGGER, 0, LOOP_UDATA);
        kqueue = kq;
        buffers = buf;
        changes = chg;
        receipts = rec;
        events = ev;
    }

    private static void closeQuietly(Kqueue kq, EventArray a, EventArray b) {
        if (kq != null) {
            try {
                kq.close();
            } catch (NativeException ignore) {
                // already failing
            }
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** A factory whose event lists grow as needed. */
    public static IoHandlerFactory newFactory() {
        return newFactory(0);
    }

    /** A factory with fixed-size event lists of {@code maxEvents} (0: start at 1024 and grow). */
    public static IoHandlerFactory newFactory(int maxEvents) {
        KQueueFfm.ensureAvailability();
        ObjectUtil.checkPositiveOrZero(maxEvents, "maxEvents");
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new KQueueFfmIoHandler(executor, maxEvents);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return true;
            }
        };
    }

    @Override
    public void wakeup() {
        // Only a loop that announced it will block needs the syscall; the rest collapse into it.
        // Read before the CAS: a burst of producers against an awake loop then shares the line
        // instead of taking it exclusively on every execute().
        if (sleeping == 1 && SLEEPING.compareAndSet(this, 1, 0)) {
            try {
                // No eventlist: returns at once whatever the timeout; -1 leaves the shared timespec alone.
                kqueue.kevent(trigger, 1, null, 0, -1);
            } catch (NativeException e) {
                // EBADF after shutdown: nobody is left to wake.
                logger.debug("wakeup trigger failed", e);
            }
        }
    }

    @Override
    public int run(IoHandlerContext context) {
        int handled = 0;
        try {
            long timeout = 0;
            boolean announced = false;
            if (context.canBlock()) {
                timeout = armDeadline(context);
                if (timeout != 0) {
                    SLEEPING.set(this, 1);
                    announced = true;
                    // A task queued before the flag was visible did not wake us: look again.
                    if (!context.canBlock()) {
                        timeout = 0;
                    }
                }
            }
            int ready;
            if (changes.length() > events.capacity()) {
                // Room for an error record per change: without it the kernel stops at the first
                // failing change and drops the rest.
                events.grow(changes.length());
            }
            try {
                ready = kqueue.kevent(changes, changes.length(), events, events.capacity(), timeout);
            } finally {
                // Only a turn that announced a sleep writes the flag: producers read it on every
                // execute(), and a store per busy turn would pull the line away from them.
                if (announced) {
                    sleeping = 0;
                }
                changes.clear();
            }
            if (context.shouldReportActiveIoTime()) {
                long start = System.nanoTime();
                handled = processReady(ready);
                context.reportActiveIoTime(System.nanoTime() - start);
            } else {
                handled = processReady(ready);
            }
            if (allowGrowing && ready == events.capacity()) {
                events.grow(events.capacity() * 2);
            }
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            // The timer change may not have reached the kernel: arm it again next turn.
            armedDeadline = NO_DEADLINE;
            handleLoopException(t);
        } finally {
            processCancelled();
        }
        return handled;
    }

    /**
     * Arms the deadline timer when the earliest deadline moved earlier than the armed one, and
     * returns the kevent timeout: -1 to block (the timer, if any, ends the wait), 0 when the deadline
     * has already passed. Netty reports "now + purge interval" when nothing is scheduled, a new value
     * on every turn, so a later deadline does not re-arm: the armed timer then fires early, costs one
     * spurious wakeup, and the next turn arms the real deadline.
     */
    private long armDeadline(IoHandlerContext context) {
        long deadline = context.deadlineNanos();
        if (deadline == -1) {
            return -1;
        }
        if (!timerRefused && armedDeadline != NO_DEADLINE && deadline - armedDeadline >= 0) {
            return -1;
        }
        long delay = context.delayNanos(System.nanoTime());
        if (delay <= 0 || timerRefused) {
            return Math.max(delay, 0);
        }
        changes.add(LOOP_IDENT, filterTimer, (short) (KeventAbi.EV_ADD | KeventAbi.EV_ONESHOT),
                TimerUnit.NANOSECONDS.bits(ABI), Math.min(delay, MAX_TIMER_NANOS), LOOP_UDATA);
        armedDeadline = deadline;
        return -1;
    }

    private int processReady(int ready) {
        int handled = 0;
        for (int i = 0; i < ready; i++) {
            short filter = events.filter(i);
            short flags = events.flags(i);
            long udata = events.udata(i);
            if (udata == LOOP_UDATA) {
                if (filter == filterTimer) {
                    armedDeadline = NO_DEADLINE;
                }
                if ((flags & KeventAbi.EV_ERROR) != 0 && events.data(i) != 0) {
                    logger.warn("kqueue loop change refused: ident={}, filter={}, {}", events.ident(i), filter,
                            Errno.name((int) events.data(i)));
                    // Re-adding it every turn would only spin on the same refusal.
                    timerRefused |= filter == filterTimer;
                }
                continue;
            }
            Registration reg = registrations.get(udata);
            if (reg == null || reg.cancellationPending) {
                if ((flags & KeventAbi.EV_ERROR) == 0) {
                    logger.debug("event for a removed registration: ident={}, filter={}, id={}",
                            events.ident(i), filter, udata);
                }
                continue;
            }
            if ((flags & KeventAbi.EV_ERROR) != 0 && events.data(i) == 0) {
                continue;
            }
            handled++;
            reg.event.update(events.ident(i), filter, flags, events.fflags(i), events.data(i));
            try {
                reg.handle.handle(reg, reg.event);
            } catch (Exception t) {
                // One handle's failure must not cost the rest of the batch (the timer event among them).
                logger.warn("Unexpected exception while handling an event of {}", reg.handle, t);
            }
        }
        return handled;
    }

    private void processCancelled() {
        Registration r;
        while ((r = cancelled.poll()) != null) {
            registrations.remove(r.id);
            r.handle.unregistered();
        }
    }

    private static void handleLoopException(Throwable t) {
        logger.warn("Unexpected exception in the kqueue event loop.", t);
        try {
            // Do not spin on a persistent failure.
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void prepareToDestroy() {
        Registration[] all = registrations.values().toArray(new Registration[0]);
        for (Registration reg : all) {
            // Its fd is about to be closed: queued changes must not reach a reused fd number.
            dropPendingChanges(reg.id);
            reg.cancel();
            try {
                reg.handle.close();
            } catch (Exception e) {
                logger.debug("Exception while closing {}", reg.handle, e);
            }
        }
        processCancelled();
    }

    @Override
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        if (!registrations.isEmpty()) {
            // A shutdown requested between the loop's last isShuttingDown() check and confirmShutdown()
            // (quiet period 0) ends the loop without prepareToDestroy(): its channels' fds would
            // outlive the loop.
            prepareToDestroy();
        }
        try {
            kqueue.close();
        } catch (NativeException e) {
            logger.warn("Failed to close the kqueue fd.", e);
        } finally {
            changes.close();
            events.close();
            receipts.close();
            buffers.close();
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        KQueueFfmIoHandle h = cast(handle);
        Registration reg = new Registration(h, nextId++);
        registrations.put(reg.id, reg);
        h.registered();
        return reg;
    }

    private static KQueueFfmIoHandle cast(IoHandle handle) {
        if (handle instanceof KQueueFfmIoHandle h) {
            return h;
        }
        throw new IllegalArgumentException("IoHandle of type " + StringUtil.simpleClassName(handle)
                + " not supported by " + KQueueFfmIoHandler.class.getSimpleName()
                + " (expected a " + KQueueFfmIoHandle.class.getSimpleName() + ")");
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return KQueueFfmIoHandle.class.isAssignableFrom(handleType);
    }

    /**
     * Applies the queued changes at once. Every change carries EV_RECEIPT, so each yields a record
     * and the call never collects (and so never steals) an event, on Darwin and FreeBSD alike.
     */
    private void applyChangesNow() {
        int n = changes.length();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            changes.setFlags(i, (short) (changes.flags(i) | KeventAbi.EV_RECEIPT));
        }
        if (receipts.capacity() < n) {
            receipts.grow(n);
        }
        try {
            int r = kqueue.kevent(changes, n, receipts, n, 0);
            for (int i = 0; i < r; i++) {
                if (receipts.data(i) != 0) {
                    logger.debug("change refused: ident={}, filter={}, {}", receipts.ident(i), receipts.filter(i),
                            Errno.name((int) receipts.data(i)));
                }
            }
        } catch (NativeException e) {
            logger.warn("applying queued kqueue changes failed", e);
        } finally {
            changes.clear();
        }
    }

    /** Pending changes of {@code id} refer to an fd about to be closed: make them no-ops. */
    private void dropPendingChanges(long id) {
        for (int i = 0, n = changes.length(); i < n; i++) {
            if (changes.udata(i) == id) {
                // A NOTE_FFNOP modify of the loop's own user event: applied, harmless, never an error.
                changes.set(i, LOOP_IDENT, filterUser, (short) 0, 0, 0, LOOP_UDATA);
            }
        }
    }

    /** Whether {@code loop} runs this kind of handler. */
    static boolean isCompatible(IoEventLoop loop) {
        return loop.isCompatible(KQueueFfmIoHandle.class);
    }

    final class Registration implements IoRegistration {
        final KQueueFfmIoHandle handle;
        final long id;
        final KQueueFfmIoEvent event = new KQueueFfmIoEvent();
        private final AtomicBoolean canceled = new AtomicBoolean();
        boolean cancellationPending;

        Registration(KQueueFfmIoHandle handle, long id) {
            this.handle = handle;
            this.id = id;
        }

        @SuppressWarnings("unchecked")
        @Override
        public <T> T attachment() {
            return (T) buffers;
        }

        @Override
        public long submit(IoOps ops) {
            if (!(ops instanceof KQueueFfmIoOps o)) {
                throw new IllegalArgumentException("IoOps of type " + StringUtil.simpleClassName(ops)
                        + " not supported (expected " + KQueueFfmIoOps.class.getSimpleName() + ")");
            }
            if (!isValid()) {
                return -1;
            }
            if (executor.isExecutorThread(Thread.currentThread())) {
                add(o);
            } else {
                executor.execute(() -> add(o));
            }
            return 0;
        }

        private void add(KQueueFfmIoOps o) {
            if (cancellationPending || destroyed) {
                return;
            }
            if (o == KQueueFfmIoOps.FD_CLOSING) {
                dropPendingChanges(id);
                return;
            }
            if (o == KQueueFfmIoOps.APPLY_NOW) {
                applyChangesNow();
                return;
            }
            changes.add(handle.ident(), o.filter(), o.flags(), o.fflags(), o.data(), id);
        }

        @Override
        public boolean isValid() {
            return !canceled.get();
        }

        @Override
        public boolean cancel() {
            if (!canceled.compareAndSet(false, true)) {
                return false;
            }
            if (executor.isExecutorThread(Thread.currentThread())) {
                cancel0();
            } else {
                executor.execute(this::cancel0);
            }
            return true;
        }

        private void cancel0() {
            // Removed after the current batch, so that no later event of the batch finds a stale entry.
            cancellationPending = true;
            cancelled.offer(this);
        }

        @Override
        public String toString() {
            return "Registration(id=" + id + ", " + handle + ")";
        }
    }
}
