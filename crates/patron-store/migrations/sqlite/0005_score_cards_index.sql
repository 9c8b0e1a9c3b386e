-- A customer's history reads the cards run by run through the primary key (run, customer):
-- the secondary index cost more to maintain on a run of a million cards than it saved.
DROP INDEX IF EXISTS score_cards_by_customer;
-- From here on `score_cards.card` holds the card's JSON zstd-compressed (a BLOB; SQLite keeps
-- it as such in the TEXT column); cards of earlier runs stay plain JSON text and read as before.
