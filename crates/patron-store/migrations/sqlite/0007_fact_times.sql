-- The latest time in each fact table, kept up to date by every import: `patron score` without
-- --as-of starts from it, and MAX over tens of millions of unindexed rows takes seconds.
CREATE TABLE fact_times (
    fact   TEXT PRIMARY KEY,   -- order_lines, events, tickets, invoices
    latest INTEGER NOT NULL
);
INSERT INTO fact_times SELECT 'order_lines', m FROM (SELECT MAX(ts) AS m FROM order_lines) WHERE m IS NOT NULL;
INSERT INTO fact_times SELECT 'events', m FROM (SELECT MAX(ts) AS m FROM events) WHERE m IS NOT NULL;
INSERT INTO fact_times SELECT 'tickets', m FROM (SELECT MAX(opened_at) AS m FROM tickets) WHERE m IS NOT NULL;
INSERT INTO fact_times SELECT 'invoices', m FROM (SELECT MAX(issued_at) AS m FROM invoices) WHERE m IS NOT NULL;
