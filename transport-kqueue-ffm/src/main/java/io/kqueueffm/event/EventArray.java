package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;
import io.kqueueffm.abi.Platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

import static io.kqueueffm.abi.KeventAbi.OFF_DATA;
import static io.kqueueffm.abi.KeventAbi.OFF_EXT;
import static io.kqueueffm.abi.KeventAbi.OFF_FFLAGS;
import static io.kqueueffm.abi.KeventAbi.OFF_FILTER;
import static io.kqueueffm.abi.KeventAbi.OFF_FLAGS;
import static io.kqueueffm.abi.KeventAbi.OFF_IDENT;
import static io.kqueueffm.abi.KeventAbi.OFF_UDATA;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A native array of kevent records with indexed accessors: the changelist and eventlist of an event
 * loop, reused on every turn, so that nothing is allocated per event. Records are laid out for one
 * {@link KeventAbi} (48 bytes for Darwin's kevent64_s, 64 for FreeBSD's kevent).
 *
 * <p>Not thread-safe: an array belongs to whoever calls kevent with it. It also carries that caller's
 * scratch for the call: the timespec and the errno capture segment.
 */
public final class EventArray implements AutoCloseable {
    private final KeventAbi abi;
    private final long size;
    private final Arena arena;
    private boolean closable = true;
    private MemorySegment memory;
    private int capacity;
    private int length;
    final MemorySegment timespec;
    final MemorySegment errno;

    public EventArray(int capacity) {
        this(Platform.current().kevent, capacity);
    }

    public EventArray(KeventAbi abi, int capacity) {
        this(abi, capacity, Arena.ofShared());
    }

    /**
     * An array freed by the garbage collector, never by {@link #close}: for memory that a racing
     * thread may still hand to the kernel after its owner is gone (e.g. a wakeup trigger).
     */
    public static EventArray gcManaged(KeventAbi abi, int capacity) {
        EventArray a = new EventArray(abi, capacity, Arena.ofAuto());
        a.closable = false;
        return a;
    }

    /** For a caller that uses and frees the array on one thread (the typed {@link Kqueue} calls). */
    static EventArray confined(KeventAbi abi, int capacity) {
        return new EventArray(abi, capacity, Arena.ofConfined());
    }

    private EventArray(KeventAbi abi, int capacity, Arena arena) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.abi = abi;
        this.size = abi.eventSize;
        // Shared by default: the array may be created on one thread and used by another (Netty moves loops).
        this.arena = arena;
        this.capacity = capacity;
        this.memory = arena.allocate(size * capacity, 8);
        this.timespec = arena.allocate(16, 8);
        this.errno = io.kqueueffm.ffi.Errno.allocate(arena);
    }

    public KeventAbi abi() {
        return abi;
    }

    public int capacity() {
        return capacity;
    }

    /** Records appended with {@link #add} since the last {@link #clear}. */
    public int length() {
        return length;
    }

    public boolean isFull() {
        return length == capacity;
    }

    public void clear() {
        length = 0;
    }

    public long address() {
        return memory.address();
    }

    /** The native records, for tests and diagnostics. */
    public MemorySegment segment() {
        return memory;
    }

    /**
     * Grow to {@code newCapacity}, keeping the first {@link #length} records. Old memory is kept until
     * {@link #close} (the arena frees it all at once): growth is rare and bounded by doubling.
     */
    public void grow(int newCapacity) {
        if (newCapacity <= capacity) {
            return;
        }
        MemorySegment bigger = arena.allocate(size * newCapacity, 8);
        bigger.copyFrom(memory.asSlice(0, size * length));
        memory = bigger;
        capacity = newCapacity;
    }

    /** Append a change, growing by doubling when full; returns its index. */
    public int add(long ident, short filter, short flags, int fflags, long data, long udata) {
        if (length == capacity) {
            grow(capacity * 2);
        }
        int i = length++;
        set(i, ident, filter, flags, fflags, data, udata);
        return i;
    }

    public void set(int i, long ident, short filter, short flags, int fflags, long data, long udata) {
        long base = offset(i);
        memory.set(JAVA_LONG, base + OFF_IDENT, ident);
        memory.set(JAVA_SHORT, base + OFF_FILTER, filter);
        memory.set(JAVA_SHORT, base + OFF_FLAGS, flags);
        memory.set(JAVA_INT, base + OFF_FFLAGS, fflags);
        memory.set(JAVA_LONG, base + OFF_DATA, data);
        memory.set(JAVA_LONG, base + OFF_UDATA, udata);
        for (int e = 0; e < abi.extCount; e++) {
            memory.set(JAVA_LONG, base + OFF_EXT + 8L * e, 0L);
        }
    }

    public void setFlags(int i, short flags) {
        memory.set(JAVA_SHORT, offset(i) + OFF_FLAGS, flags);
    }

    public void set(int i, KEvent ev) {
        set(i, ev.ident(), ev.filter().value(abi), ev.rawFlags(), ev.fflags(), ev.data(), ev.udata());
        long base = offset(i);
        memory.set(JAVA_LONG, base + OFF_EXT, ev.ext0());
        memory.set(JAVA_LONG, base + OFF_EXT + 8, ev.ext1());
    }

    public KEvent get(int i) {
        short rawFilter = filter(i);
        EventFilter f = EventFilter.of(rawFilter, abi);
        if (f == null) {
            throw new IllegalStateException("unknown filter " + rawFilter + " at index " + i);
        }
        Set<EventFlag> fl = EventFlag.fromBits(flags(i));
        return new KEvent(ident(i), f, fl, fflags(i), data(i), udata(i), ext(i, 0), ext(i, 1));
    }

    private long offset(int i) {
        if (i < 0 || i >= capacity) {
            throw new IndexOutOfBoundsException(i);
        }
        return size * i;
    }

    public long ident(int i) {
        return memory.get(JAVA_LONG, offset(i) + OFF_IDENT);
    }

    public short filter(int i) {
        return memory.get(JAVA_SHORT, offset(i) + OFF_FILTER);
    }

    public short flags(int i) {
        return memory.get(JAVA_SHORT, offset(i) + OFF_FLAGS);
    }

    public int fflags(int i) {
        return memory.get(JAVA_INT, offset(i) + OFF_FFLAGS);
    }

    public long data(int i) {
        return memory.get(JAVA_LONG, offset(i) + OFF_DATA);
    }

    public long udata(int i) {
        return memory.get(JAVA_LONG, offset(i) + OFF_UDATA);
    }

    public long ext(int i, int e) {
        if (e < 0 || e >= abi.extCount) {
            throw new IndexOutOfBoundsException("ext[" + e + "] on " + abi);
        }
        return memory.get(JAVA_LONG, offset(i) + OFF_EXT + 8L * e);
    }

    public void setExt(int i, int e, long value) {
        if (e < 0 || e >= abi.extCount) {
            throw new IndexOutOfBoundsException("ext[" + e + "] on " + abi);
        }
        memory.set(JAVA_LONG, offset(i) + OFF_EXT + 8L * e, value);
    }

    @Override
    public void close() {
        if (closable && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
