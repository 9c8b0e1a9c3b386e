-- Facts: customers and everything that happened to them. Append-only and idempotent: every fact
-- table has the natural key of its source records as primary key.

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,      -- wall-clock time, for the audit trail only
    summary     TEXT NOT NULL       -- JSON: per-source counts
);

CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,
    path        TEXT NOT NULL,
    last_import INTEGER NOT NULL REFERENCES imports(id),
    rows_new    INTEGER NOT NULL
);

CREATE TABLE customers (
    key                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    created_at         INTEGER,
    name               TEXT,
    email              TEXT,
    phone              TEXT,
    company            TEXT,
    postcode           TEXT,
    country            TEXT,
    attributes         TEXT NOT NULL DEFAULT '{}',
    consent_marketing  INTEGER,
    consent_profiling  INTEGER,
    acquisition_cost   INTEGER,
    is_stub            INTEGER NOT NULL DEFAULT 0,
    fingerprint        INTEGER NOT NULL,
    import_id          INTEGER,
    merged_into        INTEGER REFERENCES customers(key)
);

CREATE TABLE order_lines (
    order_id     TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    ts           INTEGER NOT NULL,
    sku          TEXT,
    category     TEXT,
    quantity     REAL NOT NULL,
    unit_price   INTEGER,
    amount       INTEGER NOT NULL,
    cost         INTEGER,
    channel      TEXT,
    is_return    INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
-- No (customer_key, ts) index on the two big tables: it halves import speed, and loading sorts in
-- memory anyway. Merges, which look facts up by customer, scan these tables instead.

CREATE TABLE events (
    event_id     TEXT PRIMARY KEY,
    customer_key INTEGER REFERENCES customers(key),
    anonymous_id TEXT,
    ts           INTEGER NOT NULL,
    type         TEXT NOT NULL,
    properties   TEXT
) WITHOUT ROWID;

CREATE TABLE tickets (
    ticket_id        TEXT PRIMARY KEY,
    customer_key     INTEGER NOT NULL REFERENCES customers(key),
    opened_at        INTEGER NOT NULL,
    closed_at        INTEGER,
    category         TEXT,
    priority         TEXT,
    escalated        INTEGER NOT NULL,
    sentiment        REAL,
    handling_minutes REAL,
    text             TEXT
) WITHOUT ROWID;
CREATE INDEX tickets_by_customer ON tickets (customer_key, opened_at);

CREATE TABLE invoices (
    invoice_id   TEXT PRIMARY KEY,
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    issued_at    INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    paid_at      INTEGER,
    amount       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX invoices_by_customer ON invoices (customer_key, issued_at);

CREATE TABLE outcomes (
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    kind         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    label        TEXT,
    PRIMARY KEY (customer_key, kind, at)
) WITHOUT ROWID;

-- Score runs (filled by `patron score`); a merge can be undone until the next run.
CREATE TABLE score_runs (
    id         INTEGER PRIMARY KEY,
    as_of      INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- Customer merges, with what is needed to undo them.
CREATE TABLE merges (
    id            INTEGER PRIMARY KEY,
    keep_key      INTEGER NOT NULL REFERENCES customers(key),
    drop_key      INTEGER NOT NULL REFERENCES customers(key),
    merged_at     TEXT NOT NULL,
    after_run     INTEGER NOT NULL,  -- last score run id at merge time
    keep_before   TEXT NOT NULL,     -- JSON of the surviving customer before the merge
    moved         TEXT NOT NULL,     -- JSON: natural keys of the facts moved over
    reverted_at   TEXT
);
