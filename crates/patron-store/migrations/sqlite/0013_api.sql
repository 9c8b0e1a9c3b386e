-- The server's API keys and the customers' live cards.

-- An API key is stored as the SHA-256 digest of its secret, never the secret itself; it is
-- found by its digest and the digest compared in constant time. `prefix` (the secret's first
-- characters) lets a person tell keys apart in `patron keys list`.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('read', 'ingest', 'admin')),
    digest     BLOB NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- A customer's card recomputed after an accepted fact, against the latest run's snapshot.
-- One row per update (the history); the newest per customer is their live card.
CREATE TABLE live_cards (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    card        TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX live_cards_by_customer ON live_cards (customer_id, id);
