"""Monthly acquisition cohorts by months since the first purchase: how many of each cohort
bought again in each later month (retention), in DuckDB SQL over temp table ``purchases``."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import duckdb

_COHORTS: Final = """
WITH acquired AS (
    SELECT person_id, date_trunc('month', min(day)) AS cohort,
           arg_min(channel, (placed_at, order_id)) AS acquisition_channel
    FROM purchases GROUP BY person_id
),
members AS (
    SELECT person_id, cohort FROM acquired
    WHERE cohort >= $start AND cohort < $end
      AND (CAST($channel AS VARCHAR) IS NULL OR acquisition_channel = $channel)
)
SELECT m.cohort, date_diff('month', m.cohort, date_trunc('month', s.day)) AS months_since,
       count(DISTINCT m.person_id) AS active, sum(s.amount) AS revenue
FROM members m JOIN purchases s USING (person_id)
GROUP BY ALL ORDER BY ALL
"""


def cohort_matrix(
    cursor: duckdb.DuckDBPyConnection, *, start: date, end: date, channel: str | None, today: date
) -> list[dict[str, Any]]:
    """One row per cohort month from ``start`` (inclusive) to ``end`` (exclusive): its size,
    and per month since acquisition up to this month, active customers and retention (%)."""
    rows = cursor.execute(_COHORTS, {"start": start, "end": end, "channel": channel}).fetchall()
    active: dict[date, dict[int, int]] = {}
    for cohort, months_since, count, _revenue in rows:
        active.setdefault(cohort, {})[int(months_since)] = int(count)
    this_month = today.year * 12 + today.month - 1
    result = []
    for cohort in sorted(active):
        span = this_month - (cohort.year * 12 + cohort.month - 1) + 1
        size = active[cohort].get(0, 0)
        counts = [active[cohort].get(k, 0) for k in range(span)]
        result.append(
            {
                "cohort": f"{cohort.year:04d}-{cohort.month:02d}",
                "customers": size,
                "active": counts,
                "retention": [round(100 * n / size, 2) if size else None for n in counts],
            }
        )
    return result
