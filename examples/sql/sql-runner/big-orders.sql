-- A SQL pipeline deployed as an application: revenue per customer, written
-- to /tmp/scurry-sql-examples/top-customers as an upsert-free changelog of
-- running totals (print would do too; files survive the job).
CREATE TABLE orders (
  id BIGINT,
  customer INT,
  amount DOUBLE
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '20',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '100000',
  'fields.customer.min' = '1',
  'fields.customer.max' = '20',
  'fields.amount.min' = '1',
  'fields.amount.max' = '1000'
);

CREATE TABLE big_orders (
  id BIGINT,
  customer INT,
  amount DOUBLE
) WITH (
  'connector' = 'filesystem',
  'path' = 'file:///tmp/scurry-sql-examples/big-orders',
  'format' = 'csv'
);

INSERT INTO big_orders SELECT id, customer, amount FROM orders WHERE amount > 900;
