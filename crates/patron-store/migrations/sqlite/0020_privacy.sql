-- Privacy: the audit log of administrative actions and human overrides of automated decisions.

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,             -- wall-clock time
    actor   TEXT NOT NULL,             -- an API key's name, or `cli` with the user name
    action  TEXT NOT NULL,             -- publish | override | override_removed | erase | export | key_created | key_revoked | purge
    target  TEXT,                      -- what it acted on, never a personal identifier (an internal customer key, a version, a key id)
    detail  TEXT NOT NULL DEFAULT '{}' -- JSON: counts and names, never personal data
);

CREATE TABLE overrides (
    id           INTEGER PRIMARY KEY,
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    field        TEXT NOT NULL CHECK (field IN ('tier', 'status', 'action')),
    value        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_by       TEXT NOT NULL,
    set_at       TEXT NOT NULL,
    expires      INTEGER,                -- unix seconds; NULL: until removed
    removed_at   TEXT,
    removed_by   TEXT
);
CREATE INDEX overrides_active ON overrides (customer_key, field) WHERE removed_at IS NULL;
