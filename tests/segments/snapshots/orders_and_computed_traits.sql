SELECT DISTINCT id FROM (
(SELECT o.person_id AS id FROM orders o WHERE o.person_id IS NOT NULL AND o.status <> 'cancelled' AND o.placed_at >= ? AND o.placed_at <= ? AND EXISTS (SELECT 1 FROM order_lines l WHERE l.source_id = o.source_id AND l.order_id = o.order_id AND (l.category = ?)) GROUP BY o.person_id HAVING (coalesce(sum(CAST(o.total AS DOUBLE)), 0) >= ?))
UNION
(SELECT o.person_id AS id FROM orders o WHERE o.person_id IS NOT NULL AND o.status <> 'cancelled' AND o.placed_at >= ? AND o.placed_at < ? AND o.placed_at <= ? GROUP BY o.person_id)
UNION
(SELECT f.person_id AS id FROM person_facts f LEFT JOIN person_stats s ON s.person_id = f.person_id WHERE (TRY_CAST(CAST(s.last_order_at AS VARCHAR) AS TIMESTAMP) < CAST(? AS TIMESTAMP)))
UNION
(SELECT person_id AS id FROM person_facts
EXCEPT
(SELECT person_id AS id FROM person_event_counts WHERE type = 'track' AND name = ? AND first_at <= ? GROUP BY person_id HAVING NOT (sum(events) < ?)))
) AS members WHERE id IN (SELECT person_id AS id FROM person_facts)
-- parameters: ["2026-03-17 12:00:00", "2026-06-15 12:00:00", "shoes", 100.0, "2026-01-01 00:00:00", "2026-04-01 00:00:00", "2026-06-15 12:00:00", "2026-01-01", "Signed Up", "2026-06-15 12:00:00", 1.0]
