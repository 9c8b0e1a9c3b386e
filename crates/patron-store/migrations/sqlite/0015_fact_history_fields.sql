-- The columns a correction changed, as a JSON array of names, so an answer can name them
-- (NULL for deletions and for corrections recorded before this migration).
ALTER TABLE fact_history ADD COLUMN fields TEXT;
