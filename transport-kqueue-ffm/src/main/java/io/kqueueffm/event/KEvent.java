package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * One kevent record, typed: a change to submit or an event received. Allocates; the event loop uses
 * {@link EventArray} instead.
 *
 * @param ident  fd, timer or user-event id
 * @param filter the filter
 * @param flags  EV_* flags
 * @param fflags filter-specific flags (NOTE_*)
 * @param data   filter-specific data (bytes readable, errno of an EV_ERROR record, timer period...)
 * @param udata  opaque 64-bit value returned with every event of the knote
 * @param ext0   ext[0]: passed through on Darwin except by timers; zero on input otherwise
 * @param ext1   ext[1]: on Darwin timers with NOTE_LEEWAY, the leeway
 */
public record KEvent(long ident, EventFilter filter, Set<EventFlag> flags, int fflags, long data, long udata,
                     long ext0, long ext1) {

    public KEvent {
        if (filter == null) {
            throw new NullPointerException("filter");
        }
        flags = flags.isEmpty() ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    }

    public KEvent(long ident, EventFilter filter, Set<EventFlag> flags, int fflags, long data, long udata) {
        this(ident, filter, flags, fflags, data, udata, 0, 0);
    }

    public static Set<EventFlag> flags(EventFlag... flags) {
        EnumSet<EventFlag> set = EnumSet.noneOf(EventFlag.class);
        Collections.addAll(set, flags);
        return set;
    }

    /** Watch {@code fd} for reading. */
    public static KEvent read(int fd, long udata, EventFlag... flags) {
        return new KEvent(fd, EventFilter.READ, flags(flags), 0, 0, udata);
    }

    /** Watch {@code fd} for writing. */
    public static KEvent write(int fd, long udata, EventFlag... flags) {
        return new KEvent(fd, EventFilter.WRITE, flags(flags), 0, 0, udata);
    }

    /** A relative timer firing every (or, with ONESHOT, once after) {@code amount} {@code unit}s. */
    public static KEvent timer(long ident, long amount, TimerUnit unit, KeventAbi abi, long udata, EventFlag... flags) {
        return new KEvent(ident, EventFilter.TIMER, flags(flags), unit.bits(abi), amount, udata);
    }

    /** An absolute one-shot timer at {@code deadline} {@code unit}s after the Unix epoch (wall clock). */
    public static KEvent absoluteTimer(long ident, long deadline, TimerUnit unit, KeventAbi abi, long udata,
                                       EventFlag... flags) {
        return new KEvent(ident, EventFilter.TIMER, flags(flags), unit.bits(abi) | abi.noteAbsolute, deadline, udata);
    }

    /** Register a user event. */
    public static KEvent user(long ident, long udata, EventFlag... flags) {
        return new KEvent(ident, EventFilter.USER, flags(flags), 0, 0, udata);
    }

    /**
     * Trigger a user event; flags stay empty (a trigger carrying EV_CLEAR cancels itself on FreeBSD,
     * semantics.md section 7).
     */
    public static KEvent trigger(long ident, UserOp op, int bits, long udata) {
        if ((bits & ~KeventAbi.NOTE_FFLAGSMASK) != 0) {
            throw new IllegalArgumentException("user fflags are 24 bits: 0x" + Integer.toHexString(bits));
        }
        return new KEvent(ident, EventFilter.USER, Set.of(), KeventAbi.NOTE_TRIGGER | op.bits | bits, 0, udata);
    }

    public short rawFlags() {
        return EventFlag.toBits(flags);
    }

    public boolean has(EventFlag f) {
        return flags.contains(f);
    }

    /** An EV_ERROR record with a non-zero errno in data. */
    public boolean isError() {
        return flags.contains(EventFlag.ERROR) && data != 0;
    }

    public boolean isEof() {
        return flags.contains(EventFlag.EOF);
    }

    /** The errno of an EV_ERROR record, 0 for a successful receipt. */
    public int errno() {
        return flags.contains(EventFlag.ERROR) ? (int) data : 0;
    }

    /** The user-defined low 24 bits of an EVFILT_USER event's fflags. */
    public int userFlags() {
        return fflags & KeventAbi.NOTE_FFLAGSMASK;
    }
}
