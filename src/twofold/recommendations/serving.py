"""A person's recommendations from the stored model, and the provider messages use.

The person's purchases are staged alone (their lines only), ranked against the stored
neighbours under the rules, and filled up with the most popular products (same rules) when
item-to-item finds too few: a message always has something to show once there are orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.messaging.recommendations import Recommendation
from twofold.recommendations.catalogue import Catalogue, stage_catalogue
from twofold.recommendations.items import stage_items
from twofold.recommendations.ranking import RuleSettings, rank_item_to_item, rank_popular
from twofold.store.models import Person

MAX_LIMIT = 50
_FACTS: Final = """
SELECT product_key, name, price, currency FROM product_facts
WHERE list_contains($keys, product_key)
"""


@dataclass(frozen=True)
class RankedProduct:
    """A recommended product, how it was found and its score."""

    recommendation: Recommendation
    source: str  # "item_to_item" or "popular"
    score: float


def recommend_for_person(
    store: EventStore,
    *,
    person_id: int,
    limit: int,
    catalogue: Catalogue | None = None,
    rules: RuleSettings | None = None,
    now: datetime | None = None,
    fill_with_popular: bool = True,
) -> list[RankedProduct]:
    """Up to ``limit`` products for the person, item-to-item first."""
    catalogue, rules = catalogue or Catalogue(), rules or RuleSettings()
    as_of = now or utcnow()
    with store.reader() as cursor:
        stage_items(cursor, since=None, until=None, person_ids=[person_id])
        cursor.execute(
            "INSERT INTO purchase_items (person_id) SELECT $person "
            "WHERE NOT EXISTS (SELECT 1 FROM purchase_items)",
            {"person": person_id},
        )  # someone without purchases still gets the popular products
        stage_catalogue(cursor, catalogue)
        restricts = catalogue.restricts
        ranked = [
            (key, "item_to_item", score)
            for _person, key, score in rank_item_to_item(
                cursor,
                model="stored",
                rules=rules,
                as_of=as_of,
                limit=limit,
                catalogue_only=restricts,
            )
        ]
        if fill_with_popular and len(ranked) < limit:
            seen = {key for key, _source, _score in ranked}
            popular = rank_popular(
                cursor,
                model="stored",
                rules=rules,
                as_of=as_of,
                limit=limit,
                catalogue_only=restricts,
            )
            ranked += [(key, "popular", score) for _p, key, score in popular if key not in seen]
        ranked = ranked[:limit]
        facts = {
            row[0]: row[1:]
            for row in cursor.execute(_FACTS, {"keys": [key for key, _s, _v in ranked]}).fetchall()
        }
    return [
        RankedProduct(_shown(key, catalogue, facts.get(key)), source, float(score))
        for key, source, score in ranked
    ]


def _shown(
    key: str, catalogue: Catalogue, fact: tuple[str | None, Decimal | None, str | None] | None
) -> Recommendation:
    name, price, currency = fact or (None, None, None)
    item = catalogue.items.get(key)
    if item is not None:
        price, currency = (
            (item.price, item.currency) if item.price is not None else (price, currency)
        )
        return Recommendation(
            product_id=key,
            name=item.name,
            url=item.url,
            image_url=item.image_url,
            price=None if price is None else str(price),
            currency=currency,
        )
    return Recommendation(
        product_id=key,
        name=name or key,
        price=None if price is None else str(price),
        currency=currency,
    )


@dataclass
class ItemToItemProvider:
    """The messaging ``RecommendationProvider``: a person's products from the stored model."""

    store: EventStore
    catalogue: Callable[[], Catalogue] = field(default=Catalogue)
    rules: RuleSettings = field(default_factory=RuleSettings)

    def __call__(self, person: Person, limit: int) -> list[Recommendation]:
        """Up to ``limit`` products for ``person``."""
        found = recommend_for_person(
            self.store,
            person_id=person.id,
            limit=min(limit, MAX_LIMIT),
            catalogue=self.catalogue(),
            rules=self.rules,
        )
        return [item.recommendation for item in found]
