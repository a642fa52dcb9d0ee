import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A small unbounded job: numbers at about 50 per second into a discarding sink. */
public class TinyJob {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSource(new NumberSequenceSource(1, Long.MAX_VALUE),
                       WatermarkStrategy.noWatermarks(), "numbers")
           .map(n -> { Thread.sleep(20); return n; })
           .returns(Long.class)
           .sinkTo(new DiscardingSink<>());
        env.execute(args.length > 0 ? args[0] : "tiny-job");
    }
}
