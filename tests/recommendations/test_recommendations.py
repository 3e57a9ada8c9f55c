"""Item-to-item recommendations on a real DuckDB event store: the similarities by hand, the
business rules, the catalogue, the holdout against most popular on a shop with planted
co-purchase structure, and the provider through the message rendering path."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from recs_support import POPULAR, add_purchases, family_of, planted_shop
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.messaging.compose import LinkSettings, context_for
from twofold.messaging.templates import render
from twofold.recommendations.catalogue import Catalogue, CatalogueItem
from twofold.recommendations.evaluation import evaluate_recommendations
from twofold.recommendations.fit import latest_fit, refit_recommendations
from twofold.recommendations.ranking import RuleSettings
from twofold.recommendations.serving import ItemToItemProvider, recommend_for_person
from twofold.recommendations.similarity import SimilaritySettings
from twofold.store.models import MessageTemplate, OutboxMessage, Person

NOW = utcnow().replace(microsecond=0)
LOOSE = SimilaritySettings(min_co_buyers=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    events = EventStore(tmp_path / "events.duckdb")
    yield events
    events.close()


def ago(days: float) -> object:
    return NOW - timedelta(days=days)


def small_shop(store: EventStore) -> None:
    """Buyers: A {1, 2}, B {1, 2}, C {1, 3}, D {2}, E {1} (E bought 1 twice: 1 is
    repeatable for 1 of its 4 buyers = 25 %)."""
    add_purchases(
        store,
        [
            (1, ago(100), ["S1", "S2"]),
            (2, ago(90), ["S1"]),
            (2, ago(80), ["S2"]),
            (3, ago(70), ["S1", "S3"]),
            (4, ago(60), ["S2"]),
            (5, ago(50), ["S1"]),
            (5, ago(5), ["S1"]),
        ],
    )


def neighbours(store: EventStore) -> dict[tuple[str, str], tuple[float, int]]:
    with store.reader() as cursor:
        rows = cursor.execute("SELECT * FROM product_neighbours").fetchall()
    return {(a, b): (similarity, co) for a, b, similarity, co in rows}


def test_cosine_similarity_by_hand(store: EventStore) -> None:
    small_shop(store)
    fit = refit_recommendations(store, settings=LOOSE)
    # Buyers: S1 {1, 2, 3, 5} = 4, S2 {1, 2, 4} = 3, S3 {3} = 1.
    assert (fit.counts.products, fit.counts.buyers) == (3, 5)
    found = neighbours(store)
    assert found[("S1", "S2")] == (pytest.approx(2 / math.sqrt(12)), 2)
    assert found[("S2", "S1")] == (pytest.approx(2 / math.sqrt(12)), 2)
    assert found[("S1", "S3")] == (pytest.approx(1 / 2), 1)
    assert ("S2", "S3") not in found
    assert len(found) == 4
    refit_recommendations(store)  # the default needs 2 buyers in common
    assert set(neighbours(store)) == {("S1", "S2"), ("S2", "S1")}
    stored = latest_fit(store)
    assert stored is not None
    assert (stored["products"], stored["pairs"], stored["settings"]["min_co_buyers"]) == (3, 2, 2)


def test_top_n_keeps_the_most_similar(store: EventStore) -> None:
    small_shop(store)
    refit_recommendations(store, settings=SimilaritySettings(top_n=1, min_co_buyers=1))
    # S1's neighbours: S2 (2 / sqrt(12) = 0.577) and S3 (0.5): only S2 stays.
    assert {pair for pair in neighbours(store) if pair[0] == "S1"} == {("S1", "S2")}


def test_rules_just_bought_one_off_and_repeatable(store: EventStore) -> None:
    small_shop(store)
    refit_recommendations(store, settings=LOOSE)
    # D owns S2: candidates S1 (0.577). S1 is new to D: recommended.
    [pick] = recommend_for_person(store, person_id=4, limit=5, fill_with_popular=False, now=NOW)
    assert (pick.recommendation.product_id, pick.source) == ("S1", "item_to_item")
    assert pick.score == pytest.approx(2 / math.sqrt(12))
    assert pick.recommendation.name == "Product S1"
    assert pick.recommendation.price == "10.0000"
    # C owns S1 and S3: S2 via S1 (0.577), S1 again via S3 (0.5: repeatable, bought 70 days
    # ago). S3 is a one-off C owns: never again.
    found = recommend_for_person(store, person_id=3, limit=5, fill_with_popular=False, now=NOW)
    assert [p.recommendation.product_id for p in found] == ["S2", "S1"]
    # A owns S1, S2 (bought 100 days ago). S1 is repeatable (25 % >= 20 %): A may get it
    # again; S2 is a one-off. S3 scores 0.5 via S1.
    found = recommend_for_person(store, person_id=1, limit=5, fill_with_popular=False, now=NOW)
    assert [p.recommendation.product_id for p in found] == ["S1", "S3"]
    # E bought S1 five days ago: just bought, not again even though repeatable.
    found = recommend_for_person(store, person_id=5, limit=5, fill_with_popular=False, now=NOW)
    assert [p.recommendation.product_id for p in found] == ["S2", "S3"]
    strict = RuleSettings(repeat_share=0.5)
    found = recommend_for_person(
        store, person_id=1, limit=5, fill_with_popular=False, now=NOW, rules=strict
    )
    assert [p.recommendation.product_id for p in found] == ["S3"]


def test_catalogue_rules_out_unknown_and_inactive_products(store: EventStore) -> None:
    small_shop(store)
    refit_recommendations(store, settings=LOOSE)
    catalogue = Catalogue(
        {
            "S2": CatalogueItem(
                name="Second",
                url="https://shop.example/s2",
                image_url="https://shop.example/s2.png",
                price=Decimal("12.50"),
                currency="EUR",
            ),
            "S3": CatalogueItem(name="Third", active=False),
        }
    )
    found = recommend_for_person(store, person_id=5, limit=5, catalogue=catalogue, now=NOW)
    assert found[0].recommendation.as_context() == {
        "product_id": "S2",
        "name": "Second",
        "url": "https://shop.example/s2",
        "image_url": "https://shop.example/s2.png",
        "price": "12.50",
        "currency": "EUR",
    }
    assert [p.recommendation.product_id for p in found] == ["S2"]  # S3 inactive, S1 unknown


def test_popular_fills_up_and_a_newcomer_gets_popular(store: EventStore) -> None:
    small_shop(store)
    refit_recommendations(store, settings=LOOSE)
    found = recommend_for_person(store, person_id=4, limit=3, now=NOW)
    # S1 by similarity; then by buyers: S1 (4) is taken, S2 (3) owned one-off, S3 (1).
    assert [(p.recommendation.product_id, p.source) for p in found] == [
        ("S1", "item_to_item"),
        ("S3", "popular"),
    ]
    newcomer = recommend_for_person(store, person_id=99, limit=2, now=NOW)
    assert [(p.recommendation.product_id, p.source) for p in newcomer] == [
        ("S1", "popular"),
        ("S2", "popular"),
    ]


def test_item_to_item_beats_most_popular_on_planted_structure(store: EventStore) -> None:
    add_purchases(store, planted_shop(600, seed=7, now=NOW))
    result = evaluate_recommendations(store, k=5, split_at=NOW - timedelta(days=45))
    assert result.people == 600  # everybody bought a new family product after the split
    assert result.holdout_products == 600
    # Each person's holdout product is one of the 3 family products they do not own: item-to-
    # item ranks exactly those first (k = 5 holds all 3); most popular offers POP-* products
    # and the most bought family products, which rarely are this person's family.
    assert result.item_to_item.hit_rate > 0.9
    assert result.most_popular.hit_rate < 0.2
    assert result.item_to_item.hit_rate > result.most_popular.hit_rate + 0.5
    assert result.item_to_item.recall == pytest.approx(result.item_to_item.hit_rate)
    assert result.item_to_item.precision == pytest.approx(result.item_to_item.hits / (5 * 600))
    assert result.item_to_item.coverage == 1.0


def test_item_to_item_is_not_just_popular_items(store: EventStore) -> None:
    purchases = planted_shop(300, seed=11, now=NOW)
    add_purchases(store, purchases)
    refit_recommendations(store)
    families = {person: family_of(skus[0]) for person, _at, skus in purchases}
    checked = 0
    for person in range(1, 301, 10):
        found = recommend_for_person(store, person_id=person, limit=2, fill_with_popular=False)
        skus = [p.recommendation.product_id for p in found]
        assert not set(skus) & set(POPULAR), (person, skus)
        assert {family_of(sku) for sku in skus} == {families[person]}, (person, skus)
        checked += 1
    assert checked == 30


def test_evaluation_refuses_what_it_cannot_evaluate(store: EventStore) -> None:
    with pytest.raises(ValidationFailed, match="no purchases"):
        evaluate_recommendations(store)
    small_shop(store)
    with pytest.raises(ValidationFailed, match="after the first purchase"):
        evaluate_recommendations(store, split_at=NOW - timedelta(days=500))
    with pytest.raises(ValidationFailed, match="from 1 to 100"):
        evaluate_recommendations(store, k=0)
    with pytest.raises(ValidationFailed, match="nothing to evaluate"):
        evaluate_recommendations(store, split_at=NOW - timedelta(days=5))
    add_purchases(store, [(4, ago(2), ["S3"])])
    # The default split holds out the last 20 % of purchases: E's repeat of S1 (not new) and
    # D's S3, which D's S2 does not point to (they have no buyer in common).
    default = evaluate_recommendations(store, k=2, similarity=LOOSE)
    assert default.split_at.date() == (NOW - timedelta(days=5)).date()
    assert (default.people, default.holdout_products) == (1, 1)
    assert default.item_to_item.hits == 0
    # Most popular at k = 2: S1 (4 buyers), S2 is D's one-off, then S3 (1 buyer): a hit.
    assert default.most_popular.hits == 1


def test_the_provider_through_message_rendering(store: EventStore) -> None:
    small_shop(store)
    refit_recommendations(store, settings=LOOSE)
    person = Person(id=4, first_name="Dee", last_name="Buyer", traits={}, emails=[], phones=[])
    message = OutboxMessage(id=1, person_id=4, channel="email", purpose="marketing", variables={})
    template = MessageTemplate(
        subject="Picks for {{ person.first_name }}",
        html="{% for product in recommendations %}<p>{{ product.name }} {{ product.price }}</p>"
        "{% else %}<p>none</p>{% endfor %}",
        text="",
    )
    links = LinkSettings(base="https://crm.example", secret_key="k", email_from="a@example.com")
    context = context_for(person, message, links=links, recommendations=ItemToItemProvider(store))
    html = render(template, context).html
    assert html == "<p>Product S1 10.0000</p><p>Product S3 10.0000</p>"
