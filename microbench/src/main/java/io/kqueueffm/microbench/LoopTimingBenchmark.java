package io.kqueueffm.microbench;

import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The event loop alone, no channels: how late a scheduled task runs, how fast a sleeping loop wakes
 * for a task from another thread, and how many tasks it takes from two producers. One loop thread
 * per transport, the same benchmark code for all three.
 *
 * <ul>
 *   <li>{@code scheduledLateness} (sample time): the benchmark thread schedules a task 1 ms ahead
 *       on the sleeping loop and waits for it; the op time is 1 ms + lateness + the hand-off back.
 *       The lateness itself (run time minus submit time + 1 ms, taken with the same clock) is printed
 *       per trial as p50/p99/max, and runs before the deadline are counted in {@code early} (must
 *       be 0).</li>
 *   <li>{@code wakeupRoundTrip} (sample time): the loop is asleep (an untimed pause before each op
 *       lets it block); the benchmark thread executes a task that bumps a counter; the op ends when
 *       the benchmark thread, spinning, sees it.</li>
 *   <li>{@code taskBurst} (throughput, tasks/s): 100,000 execute() calls from two threads (50,000
 *       each: the benchmark thread and a helper), until the loop has run all of them.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LoopTimingBenchmark {
    static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final int BURST = 100_000;
    static final int SAMPLES = 1 << 20;

    @Param({"kqueue-ffm", "nio", "epoll"})
    public String transport;

    EventLoopGroup group;
    EventLoop loop;

    // Loop-confined: written by the loop, read after the trial.
    final long[] lateness = new long[SAMPLES];
    int samples;
    long early;

    volatile long done;
    long issued;
    long scheduledAt;

    final Runnable measured = () -> {
        long late = System.nanoTime() - (scheduledAt + DELAY_NANOS);
        if (late < 0) {
            early++;
        }
        if (samples < SAMPLES) {
            lateness[samples++] = late;
        }
        done++;
    };
    final Runnable signal = () -> done++;

    final Semaphore helperGo = new Semaphore(0);
    final Semaphore helperDone = new Semaphore(0);
    Thread helper;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        IoHandlerFactory factory = switch (transport) {
            case "kqueue-ffm" -> KQueueFfmIoHandler.newFactory();
            case "nio" -> NioIoHandler.newFactory();
            // By reflection: netty-transport-native-epoll is only on the class path on Linux.
            case "epoll" -> (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                    .getMethod("newFactory").invoke(null);
            default -> throw new IllegalArgumentException(transport);
        };
        group = new MultiThreadIoEventLoopGroup(1, factory);
        loop = group.next();
        issued = loop.submit(() -> done).get();
        helper = new Thread(() -> {
            for (;;) {
                try {
                    helperGo.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < BURST / 2; i++) {
                    loop.execute(signal);
                }
                helperDone.release();
            }
        }, "burst-helper");
        helper.setDaemon(true);
        helper.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        helper.interrupt();
        long[] s = loop.submit(() -> Arrays.copyOf(lateness, samples)).get();
        long e = loop.submit(() -> early).get();
        if (s.length > 0) {
            Arrays.sort(s);
            System.out.printf("%n[%s] scheduled-task lateness over %d runs: p50 %.1f us, p99 %.1f us, max %.1f us, early %d%n",
                    transport, s.length, s[s.length / 2] / 1e3, s[(int) (s.length * 0.99)] / 1e3,
                    s[s.length - 1] / 1e3, e);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Early runs of the scheduled task during the iteration: must stay 0. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Early {
        public long early;
    }

    /** Before each wakeup op, outside the measured time: let the loop go back to sleep. */
    @State(Scope.Thread)
    public static class LoopAsleep {
        @Setup(Level.Invocation)
        public void pause() {
            LockSupport.parkNanos(100_000);
        }
    }

    private long awaitDone(long target, boolean spinOnly) {
        long start = System.nanoTime();
        while (done < target) {
            Thread.onSpinWait();
            if (!spinOnly && System.nanoTime() - start > 20_000) {
                LockSupport.parkNanos(1_000);
            } else if (System.nanoTime() - start > 10_000_000_000L) {
                throw new IllegalStateException("the loop did not run the task within 10 s");
            }
        }
        return target;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long scheduledLateness(Early counter) throws Exception {
        long before = early;
        // The deadline Netty computes is at or after this one: a task that runs before it is early.
        scheduledAt = System.nanoTime();
        loop.schedule(measured, DELAY_NANOS, TimeUnit.NANOSECONDS);
        long r = awaitDone(++issued, false);
        counter.early += early - before;
        return r;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long wakeupRoundTrip(LoopAsleep asleep) {
        loop.execute(signal);
        return awaitDone(++issued, true);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BURST)
    public long taskBurst() throws InterruptedException {
        issued += BURST;
        helperGo.release();
        for (int i = 0; i < BURST / 2; i++) {
            loop.execute(signal);
        }
        helperDone.acquire();
        return awaitDone(issued, false);
    }
}
