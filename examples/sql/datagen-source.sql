-- A datagen source: 1000 orders, ids in sequence, one event second apart.
-- The table is kept in the environment's catalog for the other examples.
CREATE TABLE IF NOT EXISTS orders (
  id BIGINT,
  customer INT,
  amount DOUBLE,
  ts AS TO_TIMESTAMP_LTZ(id * 1000, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '1000',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '1000',
  'fields.customer.min' = '1',
  'fields.customer.max' = '20',
  'fields.amount.min' = '1',
  'fields.amount.max' = '100'
);

SELECT id, customer, amount, ts FROM orders WHERE id <= 10;
