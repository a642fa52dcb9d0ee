-- A filesystem sink: the orders of the datagen source, as CSV files under
-- /tmp/scurry-sql-examples/orders, written by a detached INSERT (a Flink job
-- that runs on after the shell moves on; see `scurry flink statement list`).
SET 'execution.checkpointing.interval' = '5 s';

CREATE TABLE IF NOT EXISTS orders_archive (
  id BIGINT,
  customer INT,
  amount DOUBLE
) WITH (
  'connector' = 'filesystem',
  'path' = 'file:///tmp/scurry-sql-examples/orders',
  'format' = 'csv'
);

INSERT INTO orders_archive SELECT id, customer, amount FROM orders;
