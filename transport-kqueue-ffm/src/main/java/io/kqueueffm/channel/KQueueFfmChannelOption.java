package io.kqueueffm.channel;

import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;

/** Options of this transport beyond {@link ChannelOption} and {@link UnixChannelOption}. */
public final class KQueueFfmChannelOption<T> extends UnixChannelOption<T> {
    /** SO_SNDLOWAT: bytes of free send-buffer space before the socket reports writable. */
    public static final ChannelOption<Integer> SO_SNDLOWAT = valueOf(KQueueFfmChannelOption.class, "KQFFM_SO_SNDLOWAT");
    /** TCP_NOPUSH on the BSDs (TCP_CORK under the Linux emulation): hold partial segments. */
    public static final ChannelOption<Boolean> TCP_NOPUSH = valueOf(KQueueFfmChannelOption.class, "KQFFM_TCP_NOPUSH");

    @SuppressWarnings({"unused", "deprecation"})
    private KQueueFfmChannelOption() {
    }
}
