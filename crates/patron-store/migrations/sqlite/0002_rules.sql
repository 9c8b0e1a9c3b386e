-- Published rule sets and the results of recomputing them (`patron rules publish`).
--
-- A publish is a rule run: one rule-set version applied to the whole history as of a time. Its
-- results are written in batches of customers, each batch in its own transaction together with
-- the run's `done` counter, so an interrupted run is consistent and continues from `done`. Runs
-- are never overwritten: old runs keep the version they used.
--
-- Size: per customer and run, one row per score and per stage, one ledger-summary row per
-- (score, rule) that awarded anything, and the stage transitions. The full ledger (about one
-- entry per fact) is not stored: it is reproducible from the facts and the version, and
-- `patron explain` recomputes it. Rows refer to scores, rules, stages, levels and triggers by
-- their index in `rule_versions.names`.

CREATE TABLE rule_versions (
    version      TEXT PRIMARY KEY,   -- fingerprint of the canonical text
    canonical    TEXT NOT NULL,      -- the compiled rules' canonical description
    names        TEXT NOT NULL,      -- JSON: {scores, rules, stages: [{name, levels}], triggers: [{name, action}]}
    created_at   TEXT NOT NULL,      -- wall clock of the first publish attempt
    published_at TEXT                -- wall clock of the first finished run (NULL: never finished)
);

CREATE TABLE rule_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, also after a discarded run
    version      TEXT NOT NULL REFERENCES rule_versions(version),
    as_of        INTEGER NOT NULL,
    facts_digest TEXT NOT NULL,      -- fingerprint of the fact set the run computes on
    customers    INTEGER NOT NULL,   -- customers to compute
    done         INTEGER NOT NULL,   -- customers written so far (a prefix, in customer-key order)
    started_at   TEXT NOT NULL,
    finished_at  TEXT                -- NULL: in progress or interrupted
);

-- Score values in millionths of a point.
CREATE TABLE rule_scores (
    run_id       INTEGER NOT NULL REFERENCES rule_runs(id),
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    score        INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    PRIMARY KEY (run_id, customer_key, score)
) WITHOUT ROWID;

-- Stage levels as of the run (level NULL: no level).
CREATE TABLE rule_levels (
    run_id       INTEGER NOT NULL REFERENCES rule_runs(id),
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    stage        INTEGER NOT NULL,
    level        INTEGER,
    PRIMARY KEY (run_id, customer_key, stage)
) WITHOUT ROWID;

-- The ledger summarised per (score, source); per customer and score the points add up exactly
-- to rule_scores.points. kind: 0 event rule, 1 state rule, 2 cap, 3 floor; item: the global rule
-- index for rules, the group index for bounds (-1: the score's own cap or floor).
CREATE TABLE rule_ledger (
    run_id          INTEGER NOT NULL REFERENCES rule_runs(id),
    customer_key    INTEGER NOT NULL REFERENCES customers(key),
    score           INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    item            INTEGER NOT NULL,
    entries         INTEGER NOT NULL,
    points          INTEGER NOT NULL,
    original_points INTEGER NOT NULL,
    first_at        INTEGER NOT NULL,
    last_at         INTEGER NOT NULL,
    PRIMARY KEY (run_id, customer_key, score, kind, item)
) WITHOUT ROWID;

-- Stage transitions in time order (seq). cause: 0 first seen, 1 an event rule's award, 2 a
-- state rule started holding, 3 a state rule stopped holding, 4 time passed. cause_rule: the
-- global rule index; cause_fact: the customer's n-th event (cause_fact_kind 0) or the order
-- starting at the customer's n-th order line (1), in the fact set as of the run.
CREATE TABLE rule_transitions (
    run_id          INTEGER NOT NULL REFERENCES rule_runs(id),
    customer_key    INTEGER NOT NULL REFERENCES customers(key),
    seq             INTEGER NOT NULL,
    stage           INTEGER NOT NULL,
    from_level      INTEGER,
    to_level        INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    cause           INTEGER NOT NULL,
    cause_rule      INTEGER,
    cause_fact_kind INTEGER,
    cause_fact      INTEGER,
    PRIMARY KEY (run_id, customer_key, seq)
) WITHOUT ROWID;

-- Trigger firings of each run, in time order per customer and trigger.
CREATE TABLE rule_firings (
    run_id       INTEGER NOT NULL REFERENCES rule_runs(id),
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    trigger      INTEGER NOT NULL,
    occurrence   INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (run_id, customer_key, trigger, occurrence)
) WITHOUT ROWID;

-- Trigger firings to deliver (webhooks, NATS: later issues), filled from rule_firings when a run
-- finishes, so an interrupted run never queues anything. A firing is identified across
-- recomputations by (trigger name, customer, occurrence), so publishing again never queues a
-- firing twice; first_run/last_run are the finished runs that first and last produced it. Pending
-- firings the finishing run no longer produces become 'superseded' (and pending again if a later
-- run produces them again); delivered ones stay delivered.
CREATE TABLE rule_outbox (
    id           INTEGER PRIMARY KEY,
    trigger      TEXT NOT NULL,
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    occurrence   INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    action       TEXT NOT NULL,
    first_run    INTEGER NOT NULL REFERENCES rule_runs(id),
    last_run     INTEGER NOT NULL REFERENCES rule_runs(id),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'superseded')),
    delivered_at TEXT,
    UNIQUE (trigger, customer_key, occurrence)
);
CREATE INDEX rule_outbox_by_status ON rule_outbox (status, id);
