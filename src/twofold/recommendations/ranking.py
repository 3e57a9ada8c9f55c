"""Ranking products for the people in ``purchase_items`` (DuckDB SQL), with the rules.

Item-to-item: a candidate's score is the sum of its similarities to the person's
``recent_items`` most recently bought products. Most popular (the baseline): the products
with the most buyers. Both follow the same rules:
- never a product the person bought in the last ``just_bought_days``;
- never one they already own, unless people buy it again (at least ``repeat_share`` of its
  buyers bought it in two orders or more): a one-off is not sold twice;
- never one out of the catalogue (``catalogue_keys``, when the catalogue restricts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import duckdb

from twofold.core.time import naive_utc

Model = Literal["fitted", "stored"]  # the fit's temp tables, or the stored tables
TABLES: Final[dict[Model, tuple[str, str]]] = {
    "fitted": ("fit_neighbours", "fit_facts"),
    "stored": ("product_neighbours", "product_facts"),
}

_OWNED: Final = """
owned AS (
    SELECT person_id, product_key, max(placed_at) AS last_at
    FROM purchase_items GROUP BY person_id, product_key
)"""

_ALLOWED: Final = """
    LEFT JOIN owned o ON o.person_id = c.person_id AND o.product_key = c.product_key
    WHERE (o.product_key IS NULL
           OR (o.last_at < $just_bought_before AND f.repeat_buyers >= $repeat_share * f.buyers))
      AND (NOT $catalogue_only OR c.product_key IN (SELECT product_key FROM catalogue_keys))
"""

_ITEM_TO_ITEM: Final = """
WITH {owned},
recent AS (
    SELECT person_id, product_key FROM owned
    QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY last_at DESC, product_key)
            <= $recent_items
),
c AS (
    SELECT r.person_id, n.neighbour_key AS product_key, sum(n.similarity) AS score
    FROM recent r JOIN {neighbours} n ON n.product_key = r.product_key
    GROUP BY r.person_id, n.neighbour_key
)
SELECT c.person_id, c.product_key, c.score FROM c
JOIN {facts} f ON f.product_key = c.product_key
{allowed}
QUALIFY row_number() OVER (PARTITION BY c.person_id ORDER BY c.score DESC, c.product_key)
        <= $limit
ORDER BY c.person_id, c.score DESC, c.product_key
"""

_POPULAR: Final = """
WITH {owned},
people AS (SELECT DISTINCT person_id FROM purchase_items),
c AS (
    SELECT p.person_id, f.product_key, CAST(f.buyers AS DOUBLE) AS score
    FROM people p CROSS JOIN (
        SELECT * FROM {facts} f
        WHERE NOT $catalogue_only OR f.product_key IN (SELECT product_key FROM catalogue_keys)
        ORDER BY f.buyers DESC, f.product_key LIMIT $pool
    ) f
)
SELECT c.person_id, c.product_key, c.score FROM c
JOIN {facts} f ON f.product_key = c.product_key
{allowed}
QUALIFY row_number() OVER (PARTITION BY c.person_id ORDER BY c.score DESC, c.product_key)
        <= $limit
ORDER BY c.person_id, c.score DESC, c.product_key
"""


@dataclass(frozen=True)
class RuleSettings:
    """The business rules and how much of a person's history is read."""

    just_bought_days: int = 30
    repeat_share: float = 0.2
    recent_items: int = 20

    def as_dict(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)


def _sql(template: str, model: Model) -> str:
    neighbours, facts = TABLES[model]
    return template.format(owned=_OWNED, allowed=_ALLOWED, neighbours=neighbours, facts=facts)


ITEM_TO_ITEM_SQL: Final = {model: _sql(_ITEM_TO_ITEM, model) for model in TABLES}
POPULAR_SQL: Final = {model: _sql(_POPULAR, model) for model in TABLES}


def _parameters(
    rules: RuleSettings, *, as_of: datetime, limit: int, catalogue_only: bool
) -> dict[str, Any]:
    return {
        "just_bought_before": naive_utc(as_of - timedelta(days=rules.just_bought_days)),
        "repeat_share": rules.repeat_share,
        "catalogue_only": catalogue_only,
        "limit": limit,
    }


def rank_item_to_item(
    cursor: duckdb.DuckDBPyConnection,
    *,
    model: Model,
    rules: RuleSettings,
    as_of: datetime,
    limit: int,
    catalogue_only: bool,
) -> list[tuple[int, str, float]]:
    """(person, product, score) rows, best first per person."""
    parameters = _parameters(rules, as_of=as_of, limit=limit, catalogue_only=catalogue_only)
    parameters["recent_items"] = rules.recent_items
    rows = cursor.execute(ITEM_TO_ITEM_SQL[model], parameters).fetchall()
    return [(int(person), str(key), float(score)) for person, key, score in rows]


def rank_popular(
    cursor: duckdb.DuckDBPyConnection,
    *,
    model: Model,
    rules: RuleSettings,
    as_of: datetime,
    limit: int,
    catalogue_only: bool,
) -> list[tuple[int, str, float]]:
    """The most-popular baseline, under the same rules."""
    parameters = _parameters(rules, as_of=as_of, limit=limit, catalogue_only=catalogue_only)
    parameters["pool"] = limit + 200  # enough that owned products can be skipped
    rows = cursor.execute(POPULAR_SQL[model], parameters).fetchall()
    return [(int(person), str(key), float(score)) for person, key, score in rows]
