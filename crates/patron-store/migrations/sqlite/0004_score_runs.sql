-- Score runs with their frozen context, one card per customer and run, and alarm episodes.

ALTER TABLE score_runs ADD COLUMN customers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE score_runs ADD COLUMN rules_version TEXT;
ALTER TABLE score_runs ADD COLUMN context TEXT NOT NULL DEFAULT '{}';  -- JSON: quantile edges, tiers, models
ALTER TABLE score_runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';  -- JSON: counts per tier, status, alarm

CREATE TABLE score_cards (
    run_id       INTEGER NOT NULL REFERENCES score_runs(id),
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    tier         TEXT NOT NULL,
    status       TEXT NOT NULL,
    value_score  REAL,
    churn_risk   REAL,
    clv          REAL,
    stage        TEXT,
    action       TEXT,
    card         TEXT NOT NULL,   -- JSON: the whole card with its explanations
    PRIMARY KEY (run_id, customer_key)
) WITHOUT ROWID;
CREATE INDEX score_cards_by_customer ON score_cards (customer_key, run_id);

-- One row per alarm episode: raised in one run, cleared in a later one when it no longer holds.
CREATE TABLE alarms (
    id            INTEGER PRIMARY KEY,
    customer_key  INTEGER NOT NULL REFERENCES customers(key),
    kind          TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    raised_run    INTEGER NOT NULL REFERENCES score_runs(id),
    raised_as_of  INTEGER NOT NULL,
    cleared_run   INTEGER REFERENCES score_runs(id),
    cleared_as_of INTEGER
);
CREATE INDEX alarms_open ON alarms (customer_key, kind) WHERE cleared_run IS NULL;
