-- Alarm episodes by customer: a customer's card (`patron show`, the API) lists their episodes
-- without reading every episode of the store.
CREATE INDEX alarms_by_customer ON alarms (customer_key, id);
