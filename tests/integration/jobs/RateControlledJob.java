import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * Ids 1, 2, ... from a FLIP-27 data-generator source at the rate (records per second,
 * whole source) written in a control file, through a keyed map that costs about
 * 4 ms of CPU per record, into files committed on each checkpoint.
 *
 * Arguments: control file, output directory.
 */
public class RateControlledJob {

    /**
     * Reads the rate from the file at most once a second. Permits are granted by a future
     * that completes later, so the source idles (rather than being busy) while it waits.
     */
    static final class FileRate implements RateLimiterStrategy<NumberSequenceSplit> {
        private final String file;

        FileRate(String file) {
            this.file = file;
        }

        @Override
        public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
            return new RateLimiter<NumberSequenceSplit>() {
                private double rate = 1;
                private long readAt = 0;
                private long next = System.nanoTime();

                @Override
                public CompletionStage<Void> acquire(int permits) {
                    long now = System.nanoTime();
                    if (now - readAt > 1_000_000_000L) {
                        readAt = now;
                        try {
                            String text = new String(Files.readAllBytes(Paths.get(file))).trim();
                            rate = Math.max(1, Double.parseDouble(text) / parallelism);
                        } catch (Exception e) {
                            // keep the last rate while the file is being rewritten
                        }
                    }
                    next = Math.max(next, now) + (long) (permits * 1e9 / rate);
                    long wait = next - now;
                    if (wait <= 0) {
                        return CompletableFuture.completedFuture(null);
                    }
                    return CompletableFuture.runAsync(
                            () -> {},
                            CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS));
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataGeneratorSource<Long> source =
                new DataGeneratorSource<>(i -> i + 1, Long.MAX_VALUE, new FileRate(args[0]), Types.LONG);
        // Roll on every checkpoint, so that each checkpoint commits everything before it.
        FileSink<String> sink =
                FileSink.forRowFormat(new Path(args[1]), new SimpleStringEncoder<String>())
                        .withRollingPolicy(OnCheckpointRollingPolicy.build())
                        .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "ids")
                .setParallelism(1)
                .keyBy(id -> id % 1024)
                .map(id -> {
                    long until = System.nanoTime() + 4_000_000L;
                    while (System.nanoTime() < until) {
                        // the cost of processing one record
                    }
                    return String.valueOf(id);
                })
                .returns(Types.STRING)
                .name("work")
                .sinkTo(sink)
                .name("committed");
        env.execute("rate-controlled");
    }
}
