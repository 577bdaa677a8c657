package io.kqueueffm.channel;

import io.kqueueffm.socket.ControlMessages;

import java.io.IOException;

/**
 * A received message carried more file descriptors than fit (MSG_CTRUNC): the kernel closed the ones
 * beyond {@link ControlMessages#MAX_FDS}. Those before it were delivered; the connection goes on.
 */
public final class FileDescriptorsTruncatedException extends IOException {
    private static final long serialVersionUID = 1L;

    FileDescriptorsTruncatedException(int delivered) {
        super("control data truncated (MSG_CTRUNC): " + delivered
                + " file descriptor(s) delivered, the rest of the message's were dropped by the kernel"
                + " (at most " + ControlMessages.MAX_FDS + " per message)");
    }
}
