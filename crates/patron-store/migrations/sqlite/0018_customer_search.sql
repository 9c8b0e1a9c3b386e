-- The dashboard's customer search: an e-mail address found exactly and a name by its beginning,
-- both ignoring case, without reading every customer.
CREATE INDEX customers_by_email ON customers (email COLLATE NOCASE) WHERE email IS NOT NULL;
CREATE INDEX customers_by_name ON customers (name COLLATE NOCASE) WHERE name IS NOT NULL;
