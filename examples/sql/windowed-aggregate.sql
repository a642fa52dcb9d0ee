-- A windowed aggregate: orders per one-minute tumbling window of event time.
-- The source is bounded, so every window closes and the query completes.
SELECT
  window_start,
  window_end,
  COUNT(*) AS orders,
  ROUND(SUM(amount), 2) AS revenue
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;
