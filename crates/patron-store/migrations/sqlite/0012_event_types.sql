-- The event types seen in imports, so that a rule naming a type no event has (`on = "shaer"`)
-- can be warned about without scanning the events table. Filled once from the events stored.
CREATE TABLE event_types (type TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO event_types SELECT DISTINCT type FROM events;
