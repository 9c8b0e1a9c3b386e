-- Cards of a run are compressed with a zstd dictionary trained on the run's first cards: they
-- share their keys and phrasing, so a dictionary makes each card several times smaller than
-- compressing it alone. Runs without one (NULL) stored each card compressed on its own.
ALTER TABLE score_runs ADD COLUMN card_dictionary BLOB;
