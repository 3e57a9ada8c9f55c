"""Search for one- or two-character needles: a word of the search text starts with the needle
(words are separated by a space or ``. @ - _ ' & + / , ( )``).

How often a short needle starts a word varies by orders of magnitude (``ma`` starts a word
in one person in six, ``xq`` in none), so two samples of the table pick the cheaper of two
plans (docs/decisions/0005-short-search.md):

- **walk**: the condition as a filter along the list's own order (its index), which stops
  after a page of matches: cheap when matches are common;
- **index**: the candidates from the trigram index, then sorted: cheap when they are rare.
  PostgreSQL's pg_trgm indexes word starts (``" ab"``) and finds them from one regular
  expression. SQLite's FTS5 trigram index finds ``" ab"``, ``".ab"``... (words after the
  first) directly; for a record's first word it looks up every trigram ``ab?`` it holds
  (listed from an ``fts5vocab`` table in the connection's temp schema) and keeps those at
  position 0, which reads every occurrence of ``ab``. FTS5 cannot see search texts shorter
  than three characters, so on SQLite the index plan misses a record whose whole search text
  is the needle (or, for one character, ends with a one-letter word).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select
from sqlalchemy.orm import Session

from twofold.core.text import escape_like
from twofold.store.fts import fts_rowids, indexed_trigrams, phrase

# What separates words in a search text (names, emails, domains): "john.smith@acme.com" has
# the words john, smith, acme and com, so "sm" and "ac" find it.
WORD_SEPARATORS = " .@-_'&+/,()"
# The rows each estimate reads: the first ones in list order, and ones spread over the ids.
SAMPLE_ROWS = 300
# A walk that reads at most this many rows is cheap enough not to look further (a few ms).
WALK_BUDGET = 5_000
# The page a walk must fill (the default list page plus the row that tells there is more).
PAGE_ROWS = 51
# A row read by a walk costs about as much as this many SQLite FTS5 postings (measured at
# 100k and 1M people: 6 to 8).
POSTINGS_PER_ROW = 6
# More trigrams than this and SQLite walks instead of listing them all in one FTS5 query.
MAX_TERMS = 200
TRIGRAM = 3
# How long a plan choice is remembered, and for how many needles (process-local).
PLAN_SECONDS = 600.0
MAX_PLANS = 10_000
_PLANS: dict[tuple[str, str, str], tuple[float, bool]] = {}
# The order each table's lists use by default (backed by an index).
LIST_ORDER = {
    "accounts": ("name", "id"),
    "persons": ("last_name", "id"),
    "deals": ("-updated_at", "-id"),
}


def starts_a_word(session: Session, model: Any, folded: str) -> ColumnElement[bool]:
    """Rows of ``model`` with a word of the search text starting with ``folded`` (one or two
    normalised characters)."""
    if not any(character.isalnum() for character in folded):
        # Words are names, emails and domains: none starts with punctuation alone, and
        # neither trigram index can look punctuation up.
        return false()
    needle = escape_like(folded)
    walk = _walk_is_cheaper_remembered(session, model, needle)
    if session.get_bind().dialect.name == "postgresql":
        return _postgres_plan(model, folded, walk=walk)
    condition = _condition(model.search_text, needle)
    if walk:
        return condition
    expression = _fts_expression(session, model.__tablename__, folded)
    if expression is None:
        return condition
    if not expression:
        return false()
    return and_(model.id.in_(fts_rowids(model.__tablename__, expression)), condition)


def _postgres_plan(model: Any, folded: str, *, walk: bool) -> ColumnElement[bool]:
    """One regular expression: pg_trgm extracts the word-start trigram (``" ab"``) from it when
    the separators are a bracket of punctuation. The planner cannot estimate it, so the plan
    is imposed: hidden from the index (``search_text || ''``) it walks the list's order;
    in a ``MATERIALIZED`` CTE the candidates come from the trigram index."""
    pattern = _word_start_pattern(folded)
    if walk:
        walked: ColumnElement[bool] = (model.search_text + "").regexp_match(pattern)
        return walked
    candidates = (
        select(model.id).where(model.search_text.regexp_match(pattern)).cte()
    ).prefix_with("MATERIALIZED")
    looked_up: ColumnElement[bool] = model.id.in_(select(candidates.c.id))
    return looked_up


def _word_start_pattern(folded: str) -> str:
    """``(^|[ .@_'&+/,()-])ab``: the needle at the start or after a separator."""
    separators = "".join(sorted(set(WORD_SEPARATORS) - {"-"})) + "-"  # "-" last: a literal
    needle = "".join(f"\\{char}" if not char.isalnum() else char for char in folded)
    return f"(^|[{separators}]){needle}"


def _condition(column: Any, needle: str) -> ColumnElement[bool]:
    """``column`` (a search text) has a word starting with the LIKE-escaped ``needle``: at its
    start or after a separator (SQLite, and the samples on both databases)."""
    escaped = [escape_like(separator) for separator in WORD_SEPARATORS]
    return or_(
        column.like(f"{needle}%", escape="\\"),
        *(column.like(f"%{separator}{needle}%", escape="\\") for separator in escaped),
    )


def _walk_is_cheaper_remembered(session: Session, model: Any, needle: str) -> bool:
    """``_walk_is_cheaper``, remembered for a while per database, table and needle: how often
    a prefix starts a word changes slowly, and there are only a few thousand prefixes."""
    key = (str(session.get_bind().engine.url), model.__tablename__, needle)
    now = time.monotonic()
    remembered = _PLANS.get(key)
    if remembered is not None and now - remembered[0] < PLAN_SECONDS:
        return remembered[1]
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    walk = _walk_is_cheaper(session, model, needle)
    _PLANS[key] = (now, walk)
    return walk


def _walk_is_cheaper(session: Session, model: Any, needle: str) -> bool:
    """Compare the rows a walk reads before it fills a page with what the index plan reads,
    both estimated from two samples: the first rows in list order (what a walk reads first)
    and rows spread evenly over the ids (the whole table)."""
    total = int(session.scalar(select(func.max(model.id))) or 0)
    if total <= WALK_BUDGET:
        return True
    first_rows, first_starts, _ = _sample(session, model, needle, _first_in_list_order(model))
    sampled, starts, anywhere = _sample(session, model, needle, _spread_ids(model, total))
    if not (first_rows and sampled):
        return True
    matches = first_starts + starts
    walk = min(total, PAGE_ROWS * (first_rows + sampled) / matches) if matches else total
    index = total * starts / sampled
    if session.get_bind().dialect.name == "sqlite":  # the first word's trigrams, anywhere
        index += total * anywhere / sampled / POSTINGS_PER_ROW
    return walk <= index


def _first_in_list_order(model: Any) -> Select[Any]:
    order = [
        getattr(model, name.removeprefix("-")).desc()
        if name.startswith("-")
        else getattr(model, name)
        for name in LIST_ORDER[model.__tablename__]
    ]
    return select(model.id).order_by(*order).limit(SAMPLE_ROWS)


def _spread_ids(model: Any, highest: int) -> Select[Any]:
    """About ``SAMPLE_ROWS`` ids spread evenly from 1 to ``highest`` (a recursive CTE)."""
    step = max(1, highest // SAMPLE_ROWS)
    start = select(literal(1).label("id")).cte(f"{model.__tablename__}_spread", recursive=True)
    spread = start.union_all(select(start.c.id + step).where(start.c.id + step <= highest))
    return select(spread.c.id)


def _sample(session: Session, model: Any, needle: str, ids: Select[Any]) -> tuple[int, int, int]:
    """How many rows ``ids`` selects, how many of them have a word starting with the needle,
    and how many contain it followed by another character anywhere."""
    sample = select(model.search_text).where(model.id.in_(ids)).subquery()
    column = sample.c.search_text
    counted = select(
        func.count(),
        func.count().filter(_condition(column, needle)),
        func.count().filter(column.like(f"%{needle}_%", escape="\\")),
    ).select_from(sample)
    total, starts, anywhere = session.execute(counted).one()
    return int(total), int(starts), int(anywhere)


def _fts_expression(session: Session, table_name: str, folded: str) -> str | None:
    """An FTS5 query for the rows with a word starting with ``folded``: ``" ab"``, ``".ab"``...
    for words after the first, ``^"abX"`` for each trigram ``abX`` the index holds (the first).
    ``""`` when the index holds none; ``None`` when there are too many to list."""
    phrases: list[str] = []
    for separator in WORD_SEPARATORS:  # words after the first
        later = separator + folded
        if len(later) == TRIGRAM:
            phrases.append(later)
        else:
            phrases += indexed_trigrams(session, table_name, later, limit=MAX_TERMS + 1)
    firsts = indexed_trigrams(session, table_name, folded, limit=MAX_TERMS + 1)
    if len(phrases) + len(firsts) > MAX_TERMS:
        return None
    return " OR ".join([phrase(term) for term in phrases] + [f"^{phrase(t)}" for t in firsts])
