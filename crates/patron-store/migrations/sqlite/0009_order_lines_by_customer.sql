-- Order lines by (customer, time): scoring one customer alone reads their lines through it
-- instead of scanning the table. Bulk imports of a million lines or more drop it and build it
-- again at commit, as they do with events_by_customer.
CREATE INDEX order_lines_by_customer ON order_lines (customer_key, ts);
