package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;

import java.util.EnumSet;
import java.util.Set;

/**
 * The EV_* bits common to Darwin and FreeBSD (abi.md 2.2). The kernel-specific meanings of 0x0100
 * and 0x0200 are deliberately not modelled.
 */
public enum EventFlag {
    ADD(KeventAbi.EV_ADD),
    DELETE(KeventAbi.EV_DELETE),
    ENABLE(KeventAbi.EV_ENABLE),
    DISABLE(KeventAbi.EV_DISABLE),
    ONESHOT(KeventAbi.EV_ONESHOT),
    CLEAR(KeventAbi.EV_CLEAR),
    RECEIPT(KeventAbi.EV_RECEIPT),
    DISPATCH(KeventAbi.EV_DISPATCH),
    /** Output: the change failed (data = errno) or is a receipt (data = 0). */
    ERROR(KeventAbi.EV_ERROR),
    /** Output: filter-specific end of file; fflags may carry the socket error. */
    EOF(KeventAbi.EV_EOF);

    private static final EventFlag[] VALUES = values();

    public final short bit;

    EventFlag(short bit) {
        this.bit = bit;
    }

    public static short toBits(Set<EventFlag> flags) {
        int bits = 0;
        for (EventFlag f : flags) {
            bits |= f.bit & 0xFFFF;
        }
        return (short) bits;
    }

    /** The named bits of {@code raw}; unnamed bits are dropped (see {@link KEvent#rawFlags()}). */
    public static EnumSet<EventFlag> fromBits(short raw) {
        EnumSet<EventFlag> set = EnumSet.noneOf(EventFlag.class);
        for (EventFlag f : VALUES) {
            if ((raw & f.bit) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
