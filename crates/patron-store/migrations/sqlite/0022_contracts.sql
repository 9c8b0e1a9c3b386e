-- Contracts and subscriptions (issue 18): the one fact that changes over its life. A contract
-- re-imported with its id replaces the stored version (renewed: a new renews_at; cancelled:
-- cancelled_at), and the replaced version goes to fact_history like any correction.
CREATE TABLE contracts (
    contract_id     TEXT PRIMARY KEY,
    customer_key    INTEGER NOT NULL REFERENCES customers(key),
    plan            TEXT,
    started_at      INTEGER NOT NULL,
    renews_at       INTEGER,
    notice_days     INTEGER NOT NULL DEFAULT 0,
    billing_months  INTEGER NOT NULL DEFAULT 1,
    recurring_value INTEGER NOT NULL,
    previous_value  INTEGER,            -- before the last price change …
    price_changed_at INTEGER,           -- … which took effect then
    cancelled_at    INTEGER,
    cancel_reason   TEXT
) WITHOUT ROWID;
CREATE INDEX contracts_by_customer ON contracts (customer_key, started_at);
CREATE INDEX contracts_by_renewal ON contracts (renews_at) WHERE cancelled_at IS NULL;
