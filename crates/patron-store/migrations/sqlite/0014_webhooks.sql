-- Webhooks (Standard Webhooks): endpoints, the durable outbox of messages, one delivery per
-- (endpoint, message) with its retry state, and every attempt's outcome.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,               -- comma-separated: stage,trigger,alarm,tier
    secret          TEXT NOT NULL,               -- whsec_…: needed to sign, so kept as given
    allow_private   INTEGER NOT NULL DEFAULT 0,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE webhook_messages (
    id         INTEGER PRIMARY KEY,
    msg_id     TEXT NOT NULL UNIQUE,              -- webhook-id: receivers deduplicate by it
    kind       TEXT NOT NULL,                     -- stage | trigger | alarm | tier | ping
    payload    TEXT NOT NULL,                     -- the JSON body, exactly as signed and sent
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    webhook_id   INTEGER NOT NULL REFERENCES webhooks(id),
    message_id   INTEGER NOT NULL REFERENCES webhook_messages(id),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,                -- unix seconds of the next try
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at TEXT,
    UNIQUE (webhook_id, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
    at          TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    ms          REAL NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
