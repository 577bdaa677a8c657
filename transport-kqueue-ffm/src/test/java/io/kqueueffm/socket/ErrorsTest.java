package io.kqueueffm.socket;

import io.kqueueffm.ffi.Errno;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorsTest {

    @Test
    void everyErrorTextCarriesItsMessage() {
        String m = Errors.newConnectException("connect", Errno.EAFNOSUPPORT, new InetSocketAddress("::1", 1)).getMessage();
        assertFalse(m.contains("null"), m);
        assertTrue(m.contains("EAFNOSUPPORT (Address family not supported"), m);
        m = Errors.newBindException(Errno.EPERM, new InetSocketAddress(1)).getMessage();
        assertTrue(m.contains("EPERM (Operation not permitted)"), m);
    }
}
