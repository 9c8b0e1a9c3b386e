-- Corrections: a re-import of a fact with the same natural key and different content replaces
-- it, and the version it replaces is kept here (written by triggers that exist only inside an
-- import's transaction, so merges and other updates are not recorded as corrections).
CREATE TABLE fact_history (
    id          INTEGER PRIMARY KEY,
    fact        TEXT NOT NULL,     -- customers | order_lines | events | tickets | invoices | outcomes
    natural_key TEXT NOT NULL,     -- JSON array: the fact's natural key
    old         TEXT NOT NULL,     -- JSON object: the replaced row
    change      TEXT NOT NULL,     -- 'updated'
    import_id   INTEGER NOT NULL REFERENCES imports(id),  -- the import that replaced it
    changed_at  TEXT NOT NULL      -- wall-clock time, for the audit trail only
);
CREATE INDEX fact_history_by_key ON fact_history (fact, natural_key);
