-- Customers whose facts arrived through the API and whose live card is not yet recomputed:
-- marked in the facts' transaction, cleared in the cards' one. A server that restarts after a
-- crash between the two recomputes them first, so no live card stays behind its facts.
CREATE TABLE live_pending (
    customer_id TEXT PRIMARY KEY,
    since       INTEGER            -- the earliest time of their new facts (NULL: a customer record)
) WITHOUT ROWID;
