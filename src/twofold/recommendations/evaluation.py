"""The holdout check: fit on the orders before a moment, recommend at that moment, and see
who bought a recommended product afterwards — item-to-item next to most popular.

People evaluated: those with purchases before the split and at least one product after it
that they had not bought before (what a recommendation can hit). For k recommendations:
hit rate = people with at least one hit / people; precision = hits / (k x people); recall =
hits / new products bought after the split. Coverage = people who got any recommendation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

import duckdb

from twofold.core.errors import ValidationFailed
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.time import as_utc, naive_utc
from twofold.events.store import EventStore
from twofold.recommendations.catalogue import Catalogue, stage_catalogue
from twofold.recommendations.items import stage_items
from twofold.recommendations.ranking import RuleSettings, rank_item_to_item, rank_popular
from twofold.recommendations.similarity import SimilaritySettings, fit_similarities

DEFAULT_HOLDOUT_SHARE = 0.2

_SPLIT: Final = """
SELECT quantile_disc(o.placed_at, $quantile), min(o.placed_at), max(o.placed_at)
FROM orders o WHERE o.person_id IS NOT NULL AND o.status <> 'cancelled' AND o.net > 0
"""

# New products each calibration buyer bought after the split (the holdout truth).
_TRUTH: Final = """
CREATE OR REPLACE TEMP TABLE holdout_truth AS
SELECT DISTINCT h.person_id, h.product_key
FROM later_items h
WHERE h.person_id IN (SELECT person_id FROM purchase_items)
  AND NOT EXISTS (SELECT 1 FROM purchase_items p
                  WHERE p.person_id = h.person_id AND p.product_key = h.product_key)
"""


@dataclass(frozen=True)
class Scores:
    """How one recommender did on the holdout."""

    hit_rate: float
    precision: float
    recall: float
    coverage: float
    hits: int


@dataclass(frozen=True)
class Evaluation:
    """Item-to-item against most popular, at k, on the orders after ``split_at``."""

    split_at: datetime
    k: int
    people: int
    holdout_products: int
    item_to_item: Scores
    most_popular: Scores

    def as_dict(self) -> dict[str, Any]:
        """The stored and API form."""
        return {**asdict(self), "split_at": self.split_at.isoformat()}


def evaluate_recommendations(
    store: EventStore,
    *,
    k: int = 10,
    split_at: datetime | None = None,
    similarity: SimilaritySettings | None = None,
    rules: RuleSettings | None = None,
    catalogue: Catalogue | None = None,
    progress: ProgressReporter | None = None,
) -> Evaluation:
    """Fit before ``split_at`` (default: the last 20 % of purchases held out) and compare."""
    if not 1 <= k <= 100:
        raise ValidationFailed.on("k", "must be a whole number from 1 to 100")
    similarity, rules = similarity or SimilaritySettings(), rules or RuleSettings()
    progress = progress or SilentProgress()
    with store.reader() as cursor:
        split = _split(cursor, split_at)
        progress.start("Fitting on the orders before the split", total=4)
        stage_items(cursor, since=None, until=None)
        cursor.execute(
            "CREATE OR REPLACE TEMP TABLE later_items AS "
            "SELECT * FROM purchase_items WHERE placed_at >= $split",
            {"split": naive_utc(split)},
        )
        cursor.execute(
            "DELETE FROM purchase_items WHERE placed_at >= $split", {"split": naive_utc(split)}
        )
        fit_similarities(cursor, similarity)
        stage_catalogue(cursor, catalogue or Catalogue())
        progress.advance(1)
        cursor.execute(_TRUTH)
        truth = _truth(cursor)
        if not truth:
            raise ValidationFailed.on(
                "split_at", "nobody bought a new product after the split: nothing to evaluate"
            )
        restricts = bool(catalogue and catalogue.restricts)
        rankings = [
            rank(
                cursor, model="fitted", rules=rules, as_of=split, limit=k, catalogue_only=restricts
            )
            for rank in (rank_item_to_item, rank_popular)
        ]
        progress.advance(2)
    holdout_products = sum(len(products) for products in truth.values())
    result = Evaluation(
        split_at=split,
        k=k,
        people=len(truth),
        holdout_products=holdout_products,
        item_to_item=_score(rankings[0], truth, k=k),
        most_popular=_score(rankings[1], truth, k=k),
    )
    progress.advance(1)
    return result


def _split(cursor: duckdb.DuckDBPyConnection, split_at: datetime | None) -> datetime:
    row = cursor.execute(_SPLIT, {"quantile": 1 - DEFAULT_HOLDOUT_SHARE}).fetchone()
    if row is None or row[1] is None:
        raise ValidationFailed.on("orders", "no purchases to evaluate recommendations on")
    _quantile, first, last = (as_utc(value) for value in row)
    if split_at is None:
        return as_utc(row[0])
    split = as_utc(split_at)
    if not first < split <= last:
        raise ValidationFailed.on(
            "split_at",
            f"must be after the first purchase ({first.date()}) and at most the last "
            f"({last.date()})",
        )
    return split


def _truth(cursor: duckdb.DuckDBPyConnection) -> dict[int, set[str]]:
    truth: dict[int, set[str]] = {}
    for person_id, product_key in cursor.execute("SELECT * FROM holdout_truth").fetchall():
        truth.setdefault(int(person_id), set()).add(str(product_key))
    return truth


def _score(ranked: list[tuple[int, str, float]], truth: dict[int, set[str]], *, k: int) -> Scores:
    shown: dict[int, list[str]] = {}
    for person_id, product_key, _score in ranked:
        if person_id in truth:
            shown.setdefault(person_id, []).append(product_key)
    hits_by_person = {p: len(set(items) & truth[p]) for p, items in shown.items()}
    hits = sum(hits_by_person.values())
    people = len(truth)
    return Scores(
        hit_rate=sum(1 for h in hits_by_person.values() if h) / people,
        precision=hits / (k * people),
        recall=hits / sum(len(products) for products in truth.values()),
        coverage=len(shown) / people,
        hits=hits,
    )
