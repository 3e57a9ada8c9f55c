"""The ``recommendations`` block of message templates.

A provider answers up to ``limit`` products for a person. The sender worker is given
``recommendations.serving.ItemToItemProvider`` (co-purchase similarity with the business
rules, decision 0021); :func:`no_recommendations` stays for callers without an event store.
Templates loop over ``recommendations``
(``{% for product in recommendations %}...{% else %}...{% endfor %}``) and show their fallback
when there is nothing to recommend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from twofold.store.models import Person


@dataclass(frozen=True)
class Recommendation:
    """A product to show in a message."""

    product_id: str
    name: str
    url: str | None = None
    image_url: str | None = None
    price: str | None = None  # a decimal string, with ``currency``
    currency: str | None = None

    def as_context(self) -> dict[str, Any]:
        """What a template sees: ``product.name``, ``product.url``..."""
        return asdict(self)


RecommendationProvider = Callable[[Person, int], list[Recommendation]]


def no_recommendations(_person: Person, _limit: int) -> list[Recommendation]:
    """The stub provider: nothing to recommend yet."""
    return []
