package io.kqueueffm.ffi;

import io.kqueueffm.abi.SendfileAbi;
import io.kqueueffm.abi.SocketAbi;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The downcall shapes the binding derives from the ABI tables. */
class LibCTablesTest {

    @Test
    void fcntlThirdArgumentIsAsWideAsTheLibcReadsIt() {
        assertEquals(ValueLayout.JAVA_LONG, LibC.fcntlDescriptor(SocketAbi.FREEBSD).argumentLayouts().get(2));
        assertEquals(ValueLayout.JAVA_LONG, LibC.fcntlDescriptor(SocketAbi.LINUX).argumentLayouts().get(2));
        assertEquals(ValueLayout.JAVA_INT, LibC.fcntlDescriptor(SocketAbi.DARWIN).argumentLayouts().get(2));
    }

    @Test
    void sendfileSignaturePerOs() {
        for (SendfileAbi abi : SendfileAbi.values()) {
            assertEquals(abi.arity, LibC.sendfileDescriptor(abi).argumentLayouts().size(), abi.name());
        }
        // Darwin: the count travels through a pointer (in/out) in the fourth argument; FreeBSD: by value.
        assertEquals(ValueLayout.JAVA_INT, LibC.sendfileDescriptor(SendfileAbi.DARWIN).argumentLayouts().get(5));
        assertEquals(ValueLayout.JAVA_INT, LibC.sendfileDescriptor(SendfileAbi.FREEBSD).argumentLayouts().get(6));
    }
}
