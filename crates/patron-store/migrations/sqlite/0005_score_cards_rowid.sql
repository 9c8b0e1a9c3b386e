-- Cards become a rowid table with a unique (run, customer) index: a card is a kilobyte or
-- more, and SQLite stores large rows of a WITHOUT ROWID table inefficiently (few rows a page,
-- many page splits), which made writing a run of a million cards slow. A customer's history
-- reads the cards run by run through that index; the index by customer is gone.
-- From here on `card` holds the card's JSON zstd-compressed (a BLOB); cards of earlier runs
-- stay plain JSON text and read as before.
CREATE TABLE score_cards_v2 (
    run_id       INTEGER NOT NULL REFERENCES score_runs(id),
    customer_key INTEGER NOT NULL REFERENCES customers(key),
    tier         TEXT NOT NULL,
    status       TEXT NOT NULL,
    value_score  REAL,
    churn_risk   REAL,
    clv          REAL,
    stage        TEXT,
    action       TEXT,
    card         BLOB NOT NULL
);
INSERT INTO score_cards_v2
    SELECT run_id, customer_key, tier, status, value_score, churn_risk, clv, stage, action, card
    FROM score_cards ORDER BY run_id, customer_key;
DROP TABLE score_cards;
ALTER TABLE score_cards_v2 RENAME TO score_cards;
CREATE UNIQUE INDEX score_cards_by_run ON score_cards (run_id, customer_key);
