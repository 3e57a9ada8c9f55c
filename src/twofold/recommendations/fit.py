"""Fit the item-to-item model on every purchase and store it in the event store.

Computed on a reading cursor (temp tables, outside the writer lock: event loading goes on),
then ``product_facts`` and ``product_neighbours`` are replaced and a ``recommendation_fits``
row appended in ONE writer transaction, so a reader sees the old model or the new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import duckdb
import orjson

from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.recommendations.items import stage_items
from twofold.recommendations.similarity import FitCounts, SimilaritySettings, fit_similarities

_FACT_ROWS: Final = (
    "SELECT product_key, name, price, currency, buyers, repeat_buyers FROM fit_facts"
)
_NEIGHBOUR_ROWS: Final = (
    "SELECT product_key, neighbour_key, similarity, co_buyers FROM fit_neighbours"
)
_WRITE_FACTS: Final = """
INSERT INTO product_facts
SELECT unnest($key::VARCHAR[]), unnest($name::VARCHAR[]), unnest($price::DECIMAL(18, 4)[]),
       unnest($currency::VARCHAR[]), unnest($buyers::BIGINT[]), unnest($repeat::BIGINT[])
"""
_WRITE_NEIGHBOURS: Final = """
INSERT INTO product_neighbours
SELECT unnest($key::VARCHAR[]), unnest($neighbour::VARCHAR[]), unnest($similarity::DOUBLE[]),
       unnest($co::BIGINT[])
"""
_WRITE_FIT: Final = """
INSERT INTO recommendation_fits (fitted_at, products, pairs, buyers, settings, evaluation,
    seconds)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING fit_id
"""


@dataclass(frozen=True)
class RecommendationFit:
    """What a refit stored."""

    fit_id: int
    fitted_at: datetime
    counts: FitCounts
    seconds: float


def refit_recommendations(
    store: EventStore,
    *,
    settings: SimilaritySettings | None = None,
    evaluation: dict[str, Any] | None = None,
    progress: ProgressReporter | None = None,
) -> RecommendationFit:
    """Fit on every purchase up to now and replace the stored model."""
    settings = settings or SimilaritySettings()
    progress = progress or SilentProgress()
    started, now = time.perf_counter(), utcnow()
    with store.reader() as reader:
        progress.start("Reading order items", total=3)
        stage_items(reader, since=None, until=now)
        progress.advance(1)
        counts = fit_similarities(reader, settings)
        progress.advance(1)
        facts = _columns(reader, _FACT_ROWS)
        neighbours = _columns(reader, _NEIGHBOUR_ROWS)
    seconds = time.perf_counter() - started
    with store.writer() as writer:
        writer.execute("DELETE FROM product_neighbours")
        writer.execute("DELETE FROM product_facts")
        writer.execute(
            _WRITE_FACTS,
            dict(zip(("key", "name", "price", "currency", "buyers", "repeat"), facts, strict=True)),
        )
        writer.execute(
            _WRITE_NEIGHBOURS,
            dict(zip(("key", "neighbour", "similarity", "co"), neighbours, strict=True)),
        )
        row = writer.execute(
            _WRITE_FIT,
            [
                naive_utc(now),
                counts.products,
                counts.pairs,
                counts.buyers,
                orjson.dumps(settings.as_dict()).decode(),
                None if evaluation is None else orjson.dumps(evaluation).decode(),
                seconds,
            ],
        ).fetchone()
    progress.advance(1)
    assert row is not None
    return RecommendationFit(int(row[0]), now, counts, seconds)


def _columns(cursor: duckdb.DuckDBPyConnection, sql: str) -> list[list[Any]]:
    rows = cursor.execute(sql).fetchall()
    width = len(cursor.description or ())
    return [[row[index] for row in rows] for index in range(width)]


def latest_fit(store: EventStore) -> dict[str, Any] | None:
    """The newest fit as a dict (``None`` before the first)."""
    with store.reader() as reader:
        row = reader.execute(
            "SELECT fit_id, fitted_at, products, pairs, buyers, settings, evaluation, seconds "
            "FROM recommendation_fits ORDER BY fit_id DESC LIMIT 1"
        ).fetchone()
    if row is None:
        return None
    return {
        "fit_id": row[0],
        "fitted_at": row[1],
        "products": row[2],
        "pairs": row[3],
        "buyers": row[4],
        "settings": orjson.loads(row[5]),
        "evaluation": None if row[6] is None else orjson.loads(row[6]),
        "seconds": row[7],
    }
