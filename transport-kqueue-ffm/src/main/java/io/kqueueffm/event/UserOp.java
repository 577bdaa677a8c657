package io.kqueueffm.event;

import io.kqueueffm.abi.KeventAbi;

/** How an EVFILT_USER change combines its low 24 fflags bits with the stored ones. */
public enum UserOp {
    NOP(KeventAbi.NOTE_FFNOP),
    AND(KeventAbi.NOTE_FFAND),
    OR(KeventAbi.NOTE_FFOR),
    COPY(KeventAbi.NOTE_FFCOPY);

    public final int bits;

    UserOp(int bits) {
        this.bits = bits;
    }
}
