SELECT DISTINCT id FROM (
(SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND e.type = 'track' AND e.name = ? AND e.timestamp >= ? AND e.timestamp <= ? AND (json_extract_string(e.properties, ?) = ?) GROUP BY e.person_id HAVING (count(*) >= ?))
INTERSECT
(SELECT person_id AS id FROM person_facts
EXCEPT
(SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND e.type = 'track' AND e.name = ? AND e.timestamp >= ? AND e.timestamp <= ? GROUP BY e.person_id))
INTERSECT
(SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND e.type = 'track' AND e.name = ? AND e.timestamp >= ? AND e.timestamp <= ? GROUP BY e.person_id HAVING (coalesce(sum(TRY_CAST(e.revenue AS DOUBLE)), 0) >= ?))
INTERSECT
(SELECT person_id AS id FROM person_event_counts WHERE type = 'track' AND name = ? AND first_at <= ? GROUP BY person_id HAVING (((epoch(CAST('2026-06-15 12:00:00' AS TIMESTAMP)) - epoch(max(last_at))) / 86400.0) > ?))
INTERSECT
(SELECT f.person_id AS id FROM person_facts f WHERE (coalesce(json_extract_string(f.custom, ?), json_extract_string(f.traits, ?)) IS NOT NULL AND (coalesce(coalesce(json_extract_string(f.custom, ?), json_extract_string(f.traits, ?)) IN (SELECT unnest(?::VARCHAR[])), false))))
INTERSECT
(SELECT person_id AS id FROM person_predictions WHERE (TRY_CAST(CAST(churn_risk AS VARCHAR) AS DOUBLE) >= ?))
INTERSECT
((SELECT member_id AS id FROM segment_members WHERE segment_id = ?)
UNION
(SELECT f.person_id AS id FROM person_facts f WHERE ends_with(lower(CAST(f.email AS VARCHAR)), lower(?))))
INTERSECT
(SELECT person_id AS id FROM person_accounts WHERE NOT has_left AND account_id IN ((SELECT account_id AS id FROM account_facts WHERE (CAST(industry AS VARCHAR) = ?))
INTERSECT
(SELECT account_id AS id FROM deal_facts WHERE account_id IS NOT NULL AND (CAST(stage_kind AS VARCHAR) = ?))))
) AS members WHERE id IN (SELECT person_id AS id FROM person_facts)
-- parameters: ["Product Viewed", "2026-06-08 12:00:00", "2026-06-15 12:00:00", "$.category", "shoes", 3.0, "Order Completed", "2026-05-16 12:00:00", "2026-06-15 12:00:00", "Order Completed", "2025-06-15 12:00:00", "2026-06-15 12:00:00", 500.0, "Order Completed", "2026-06-15 12:00:00", 180.0, "$.country", "$.country", "$.country", "$.country", ["NL", "BE"], 0.7, 42, "@example.com", "Software", "open"]
