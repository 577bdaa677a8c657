/**
 * kqueue-ffm: a Netty transport over kqueue through the FFM API. Grant native access to this module
 * alone with {@code --enable-native-access=io.kqueueffm.transport}.
 */
module io.kqueueffm.transport {
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.transport.unix.common;

    exports io.kqueueffm.abi;
    exports io.kqueueffm.ffi;
    exports io.kqueueffm.event;
    exports io.kqueueffm.socket;
    exports io.kqueueffm.channel;
}
