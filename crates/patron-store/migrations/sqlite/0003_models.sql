-- The model registry: every trained propensity model, versioned per kind, with its data window,
-- features, metrics and the serialized model.

CREATE TABLE models (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,          -- churn | conversion | upsell
    version      INTEGER NOT NULL,       -- 1, 2, … per kind
    trained_at   TEXT NOT NULL,          -- wall-clock time, for the audit trail only
    as_of        INTEGER NOT NULL,       -- the fact set's as_of (labels observed up to it)
    cutoffs      TEXT NOT NULL,          -- JSON array of training cutoffs (epoch seconds)
    holdout      INTEGER NOT NULL,       -- the holdout cutoff
    horizon_days INTEGER NOT NULL,
    features     TEXT NOT NULL,          -- JSON array of feature names
    metrics      TEXT NOT NULL,          -- JSON: the training report
    training_ms  INTEGER NOT NULL,
    model        TEXT NOT NULL,          -- the serialized model (JSON)
    UNIQUE (kind, version)
);
