"""RFM: recency, frequency and monetary quintile scores and the named groups, in DuckDB SQL.

Over every person with a purchase (temp table ``purchases``, orders/base_currency.py):
recency = days from the last purchase to the scoring day, frequency = purchases, monetary =
their total in the base currency. Each becomes a score 1-5 by quintile of its rank, where
ties share a score (``ntile`` would split identical customers across scores by id); a
higher score is better (more recent, more often, more money). The group comes from the
recency score and FM = the mean of F and M rounded half up, by the grid in ``RFM_GROUPS``
(docs/decisions/0014-rfm-and-economics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt

# (R, FM) -> group; rows are R = 5 .. 1, columns FM = 1 .. 5.
_GRID: Final = {
    5: ("New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalist", "Loyal", "Loyal", "Champions"),
    3: ("Promising", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Lost", "At Risk", "Can't Lose Them", "Can't Lose Them"),
}
RFM_GROUPS: Final = {
    (recency, fm): group for recency, row in _GRID.items() for fm, group in enumerate(row, start=1)
}
GROUP_NAMES: Final = (
    "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
    "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
)  # fmt: skip

_GRID_SQL: Final = ", ".join(
    f"({recency}, {fm}, '{group.replace(chr(39), chr(39) * 2)}')"
    for (recency, fm), group in sorted(RFM_GROUPS.items())
)


def _quintile(order: str) -> str:
    """1 + floor(5 (rank - 1) / n): tied values share the lower score."""
    return f"CAST(1 + floor(5 * (rank() OVER (ORDER BY {order}) - 1) / count(*) OVER ()) AS INT)"


_RFM: Final = f"""
WITH per_person AS (
    SELECT person_id, date_diff('day', max(day), $as_of) AS recency,
           count(*) AS frequency, sum(amount) AS monetary
    FROM purchases
    GROUP BY person_id
),
scored AS (
    SELECT *, {_quintile("recency DESC")} AS r, {_quintile("frequency")} AS f,
           {_quintile("monetary")} AS m
    FROM per_person
)
SELECT s.person_id, s.recency, s.frequency, CAST(s.monetary AS DOUBLE) AS monetary,
       s.r, s.f, s.m, concat(s.r, s.f, s.m) AS rfm_score, g.grp AS rfm_group
FROM scored s
JOIN (VALUES {_GRID_SQL}) g(r, fm, grp) ON g.r = s.r AND g.fm = (s.f + s.m + 1) // 2
ORDER BY s.person_id
"""  # noqa: S608 (constants only)


@dataclass(frozen=True)
class RfmScores:
    """Per person (ascending person id): recency in days, purchases, total, score, group."""

    person_ids: npt.NDArray[np.int64]
    recency: npt.NDArray[np.float64]
    frequency: npt.NDArray[np.float64]
    monetary: npt.NDArray[np.float64]
    rfm_score: npt.NDArray[np.object_]
    rfm_group: npt.NDArray[np.object_]


def rfm_scores(cursor: duckdb.DuckDBPyConnection, *, as_of: date) -> RfmScores:
    """Scores of every person in temp table ``purchases``, as of the end of ``as_of``."""
    columns = cursor.execute(_RFM, {"as_of": as_of}).fetchnumpy()
    return RfmScores(
        person_ids=np.asarray(columns["person_id"], dtype=np.int64),
        recency=np.asarray(columns["recency"], dtype=np.float64),
        frequency=np.asarray(columns["frequency"], dtype=np.float64),
        monetary=np.asarray(columns["monetary"], dtype=np.float64),
        rfm_score=np.asarray(columns["rfm_score"], dtype=np.object_),
        rfm_group=np.asarray(columns["rfm_group"], dtype=np.object_),
    )
