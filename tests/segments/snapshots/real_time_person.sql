WITH scope AS (SELECT DISTINCT unnest(?::BIGINT[]) AS id)
SELECT DISTINCT id FROM (
(SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND e.type = 'track' AND e.name = ? AND e.timestamp >= ? AND e.timestamp <= ? AND e.person_id IN (SELECT id FROM scope) GROUP BY e.person_id)
INTERSECT
(SELECT person_id AS id FROM person_facts WHERE person_id IN (SELECT id FROM scope)
EXCEPT
(SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND e.type = 'track' AND e.name = ? AND e.timestamp >= ? AND e.timestamp <= ? AND e.person_id IN (SELECT id FROM scope) GROUP BY e.person_id))
) AS members WHERE id IN (SELECT person_id AS id FROM person_facts WHERE person_id IN (SELECT id FROM scope))
-- parameters: [[1, 2, 3], "Cart Updated", "2026-06-14 12:00:00", "2026-06-15 12:00:00", "Order Completed", "2026-06-14 12:00:00", "2026-06-15 12:00:00"]
