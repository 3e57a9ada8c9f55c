WITH scope AS (SELECT DISTINCT unnest(?::BIGINT[]) AS id)
SELECT DISTINCT id FROM (
(SELECT account_id AS id FROM account_facts WHERE (CAST(industry AS VARCHAR) = ?) AND account_id IN (SELECT id FROM scope))
INTERSECT
(SELECT account_id AS id FROM account_facts WHERE account_id IN (SELECT id FROM scope)
EXCEPT
(SELECT account_id AS id FROM deal_facts WHERE account_id IS NOT NULL AND (CAST(stage_kind AS VARCHAR) = ?) AND account_id IN (SELECT id FROM scope)))
INTERSECT
(SELECT account_id AS id FROM person_accounts WHERE NOT has_left AND person_id IN (SELECT e.person_id AS id FROM events e WHERE e.person_id IS NOT NULL AND (e.type = ? OR (e.type = 'track' AND e.name = ?)) AND e.timestamp >= ? AND e.timestamp <= ? AND (e.name = ?) AND e.person_id IN (SELECT person_id FROM person_accounts WHERE account_id IN (SELECT id FROM scope)) GROUP BY e.person_id) AND account_id IN (SELECT id FROM scope) GROUP BY account_id HAVING (count(DISTINCT person_id) >= ?))
) AS members WHERE id IN (SELECT account_id AS id FROM account_facts WHERE account_id IN (SELECT id FROM scope))
-- parameters: [[100, 101], "Software", "open", "page", "Page Viewed", "2026-05-16 12:00:00", "2026-06-15 12:00:00", "Pricing", 3.0]
