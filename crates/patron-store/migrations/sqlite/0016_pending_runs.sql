-- A score run being written: its id reserved here while its cards are committed chunk by chunk
-- (so live writers never wait for a whole run); the run appears in score_runs, and leaves this
-- table, in its last transaction. Readers only reach cards through score_runs, so a pending
-- run's cards are invisible; those of a run killed midway are deleted by the next run.
CREATE TABLE pending_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL      -- wall-clock time, for the audit trail only
);
