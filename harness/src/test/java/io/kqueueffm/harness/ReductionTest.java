package io.kqueueffm.harness;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pieces that turn raw output into the report's figures. */
class ReductionTest {
    @Test
    void straceTableGivesCallsPerSyscallAndTotal() {
        Map<String, Long> calls = Strace.parse(List.of(
                "% time     seconds  usecs/call     calls    errors syscall",
                "------ ----------- ----------- --------- --------- ----------------",
                " 40.21    0.012000           3      3911           read",
                " 35.00    0.010000           2      3910        12 sendto",
                "  0.10    0.000030          30         1           epoll_wait",
                "------ ----------- ----------- --------- --------- ----------------",
                "100.00    0.022030           2      7822        12 total"));
        assertEquals(Map.of("read", 3911L, "sendto", 3910L, "epoll_wait", 1L, "total", 7822L), calls);
    }

    @Test
    void spreadIsMedianAndRangeIgnoringNonFiniteValues() {
        Summary.Spread s = Summary.Spread.of(List.of(3.0, 1.0, Double.NaN, 2.0, 10.0));
        assertEquals(new Summary.Spread(2.5, 1.0, 10.0), s);
        assertFalse(Summary.Spread.of(List.of()).present());
    }

    @Test
    void optionsRejectUnknownNamesAndKeepPathsOutOfTheReportedArguments() {
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--transports", "dpdk"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--rounds"}));
        Options o = Options.parse(new String[] {"--rounds", "7", "--out", "/somewhere/private", "--no-strace"});
        assertEquals("--rounds 7 --no-strace", o.argsForReport());
    }
}
