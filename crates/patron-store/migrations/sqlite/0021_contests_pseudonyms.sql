-- Privacy, continued: customers contesting automated decisions, the key of pseudonymised
-- exports, and API keys for analysts who may only read pseudonymised exports.

-- A customer's objection to an automated decision (GDPR Art. 22 (3)): what they contest, in
-- their words, until someone with the right scope resolves it.
CREATE TABLE contests (
    id           INTEGER PRIMARY KEY,
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    decision     TEXT NOT NULL,          -- tier | status | action | value_score | churn_risk | offer | payment_risk | other
    statement    TEXT NOT NULL,          -- what the customer says (personal data: erased with them)
    channel      TEXT NOT NULL,          -- how it came in (phone, e-mail, letter, web, …)
    received_by  TEXT NOT NULL,          -- the key or user who recorded it
    received_at  TEXT NOT NULL,          -- wall-clock time
    resolved_at  TEXT,
    resolved_by  TEXT,
    outcome      TEXT CHECK (outcome IN ('upheld', 'changed', 'withdrawn')),
    resolution   TEXT                    -- what was decided, for the customer's answer
);
CREATE INDEX contests_open ON contests (received_at) WHERE resolved_at IS NULL;
CREATE INDEX contests_by_customer ON contests (customer_key);

-- Secrets the store generates for itself: `pseudonym` is the HMAC key of pseudonymised
-- exports (rotating it makes earlier pseudonyms unlinkable).
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- API keys gain the `analyst` scope: pseudonymised card exports and nothing else.
CREATE TABLE api_keys_scoped (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('read', 'ingest', 'admin', 'analyst')),
    digest     BLOB NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
INSERT INTO api_keys_scoped (id, name, scope, digest, prefix, created_at, revoked_at)
    SELECT id, name, scope, digest, prefix, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_scoped RENAME TO api_keys;
