package io.kqueueffm.tests;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * After each test class: collect garbage, let the leak detector see it, and fail the class if any
 * buffer leaked. Registered for every class through JUnit's extension autodetection.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            // Leaks are reported when the detector next tracks a new resource.
            for (int j = 0; j < 4; j++) {
                ByteBuf a = UnpooledByteBufAllocator.DEFAULT.directBuffer(8);
                ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(8);
                a.release();
                b.release();
            }
        }
        List<String> leaks = FailOnLeakDetector.drain();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " leak(s) reported while " + context.getDisplayName() + " ran:\n"
                    + String.join("\n", leaks));
        }
    }
}
