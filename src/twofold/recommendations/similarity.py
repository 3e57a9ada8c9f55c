"""Item-to-item similarity from co-purchases, in DuckDB SQL over ``purchase_items``.

Each person counts once per product (purchase incidence). The similarity of products a and
b is the cosine of their buyer sets, ``co_buyers(a, b) / sqrt(buyers(a) x buyers(b))``; for
each product its ``top_n`` most similar products with at least ``min_co_buyers`` buyers in
common are kept. A person's ``max_items_per_person`` most recent products are counted, so
that a few wholesale-like buyers cannot make the pair count quadratic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import duckdb

_BUYERS: Final = """
CREATE OR REPLACE TEMP TABLE item_buyers AS
SELECT person_id, product_key, count(DISTINCT order_key) AS orders, max(placed_at) AS last_at
FROM purchase_items GROUP BY person_id, product_key
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY max(placed_at) DESC, product_key)
        <= $max_items
"""

_FACTS: Final = """
CREATE OR REPLACE TEMP TABLE fit_facts AS
SELECT b.product_key, count(*) AS buyers, count(*) FILTER (WHERE b.orders > 1) AS repeat_buyers,
       any_value(l.name) AS name, any_value(l.price) AS price, any_value(l.currency) AS currency
FROM item_buyers b
JOIN (
    SELECT product_key, arg_max(name, placed_at) AS name, arg_max(price, placed_at) AS price,
           arg_max(currency, placed_at) AS currency
    FROM purchase_items GROUP BY product_key
) l USING (product_key)
GROUP BY b.product_key
"""

_NEIGHBOURS: Final = """
CREATE OR REPLACE TEMP TABLE fit_neighbours AS
WITH pairs AS (
    SELECT a.product_key, b.product_key AS neighbour_key, count(*) AS co_buyers
    FROM item_buyers a
    JOIN item_buyers b ON a.person_id = b.person_id AND a.product_key <> b.product_key
    GROUP BY a.product_key, b.product_key
    HAVING count(*) >= $min_co_buyers
)
SELECT p.product_key, p.neighbour_key,
       p.co_buyers / sqrt(CAST(fa.buyers AS DOUBLE) * fb.buyers) AS similarity, p.co_buyers
FROM pairs p
JOIN fit_facts fa ON fa.product_key = p.product_key
JOIN fit_facts fb ON fb.product_key = p.neighbour_key
QUALIFY row_number() OVER (
    PARTITION BY p.product_key ORDER BY similarity DESC, p.neighbour_key
) <= $top_n
"""


@dataclass(frozen=True)
class SimilaritySettings:
    """How neighbours are kept."""

    top_n: int = 20
    min_co_buyers: int = 2
    max_items_per_person: int = 100

    def as_dict(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)


@dataclass(frozen=True)
class FitCounts:
    """What a fit produced."""

    products: int
    pairs: int
    buyers: int


def fit_similarities(cursor: duckdb.DuckDBPyConnection, settings: SimilaritySettings) -> FitCounts:
    """Fill ``fit_facts`` and ``fit_neighbours`` from ``purchase_items``."""
    cursor.execute(_BUYERS, {"max_items": settings.max_items_per_person})
    cursor.execute(_FACTS)
    cursor.execute(_NEIGHBOURS, {"min_co_buyers": settings.min_co_buyers, "top_n": settings.top_n})
    products = _count(cursor, "SELECT count(*) FROM fit_facts")
    pairs = _count(cursor, "SELECT count(*) FROM fit_neighbours")
    buyers = _count(cursor, "SELECT count(DISTINCT person_id) FROM item_buyers")
    return FitCounts(products, pairs, buyers)


def _count(cursor: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = cursor.execute(sql).fetchone()
    return int(row[0]) if row else 0
