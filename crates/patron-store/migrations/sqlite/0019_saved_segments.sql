-- Segments saved from the dashboard: a name, a condition in the card condition language, who
-- saved it and when. Saving a name again replaces its condition (the old one is not kept).
CREATE TABLE saved_segments (
    name        TEXT PRIMARY KEY,
    condition   TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    saved_by    TEXT NOT NULL,
    saved_at    TEXT NOT NULL
) WITHOUT ROWID;
