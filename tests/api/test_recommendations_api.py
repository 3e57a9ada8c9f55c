"""/api/v1 recommendations through a live server: a refit with its holdout check, a
person's products, the scheduled refit's absence, bad input and refusals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from recs_support import add_purchases
from support import ApiClient, ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database
from twofold.store.models import User

NOW = utcnow()


@pytest.fixture
def server(
    settings: Settings, database: Database, admin: User
) -> Iterator[tuple[ApiClient, Ingestion]]:
    chosen = dataclasses.replace(settings, predictions_refresh_seconds=0)
    app = create_app(chosen, database=database)
    with ThreadedServer(app).running() as url, ApiClient.for_user(url, database, admin) as client:
        yield client, app.state.ingestion


def test_refit_then_recommend(server: tuple[ApiClient, Ingestion]) -> None:
    api, ingestion = server
    people = [api.created("/persons", {"first_name": f"P{n}"})["id"] for n in range(4)]
    assert api.get("/recommendations/fit").json()["fit_id"] is None
    a, b, c, d = people
    add_purchases(
        ingestion.store,
        [
            (a, NOW - timedelta(days=90), ["TENT", "STOVE"]),
            (b, NOW - timedelta(days=80), ["TENT", "STOVE"]),
            (c, NOW - timedelta(days=70), ["TENT", "MUG"]),
            (c, NOW - timedelta(days=2), ["STOVE"]),
            (d, NOW - timedelta(days=60), ["TENT"]),
        ],
    )
    fit = api.post("/recommendations/refit", json={"k": 2}).json()
    # TENT and STOVE share 3 buyers (a, b, c): one pair each way; TENT-MUG (1) is too few.
    assert (fit["products"], fit["pairs"]) == (3, 2)
    assert fit["evaluation"]["k"] == 2
    assert fit["evaluation"]["people"] == 1  # c bought STOVE after the split, new to c
    assert set(fit["evaluation"]["item_to_item"]) == {
        "hit_rate",
        "precision",
        "recall",
        "coverage",
        "hits",
    }
    found = api.get(f"/persons/{d}/recommendations", params={"limit": 2}).json()
    assert [(i["product_id"], i["source"]) for i in found["items"]] == [
        ("STOVE", "item_to_item"),
        ("MUG", "popular"),
    ]
    assert found["items"][0]["name"] == "Product STOVE"
    assert found["items"][0]["score"] == pytest.approx(3 / (4 * 3) ** 0.5, abs=1e-6)
    # Once the catalogue has products, only its active ones are recommended, as it shows them.
    stove = api.created(
        "/products",
        {
            "sku": "STOVE",
            "name": "Camp stove",
            "url": "https://shop.example/stove",
            "image_url": "https://shop.example/stove.png",
        },
    )
    api.created("/products", {"sku": "MUG", "name": "Mug", "is_active": False})
    api.created(
        "/price-books",
        {
            "name": "USD list",
            "currency": "USD",
            "is_standard": True,
            "prices": [{"product_id": stove["id"], "unit_price": "49.00"}],
        },
    )
    found = api.get(f"/persons/{d}/recommendations", params={"limit": 2}).json()
    assert found["items"] == [
        {
            "product_id": "STOVE",
            "name": "Camp stove",
            "url": "https://shop.example/stove",
            "image_url": "https://shop.example/stove.png",
            "price": "49.0000",
            "currency": "USD",
            "source": "item_to_item",
            "score": pytest.approx(0.866025),
        },
    ]


def test_bad_input_and_refusals(server: tuple[ApiClient, Ingestion]) -> None:
    api, _ingestion = server
    person = api.created("/persons", {"first_name": "Ann"})["id"]
    assert api.get("/persons/999999/recommendations").status_code == 404
    for params in ({"limit": 0}, {"limit": 51}, {"limit": "x"}):
        response = api.get(f"/persons/{person}/recommendations", params=params)
        assert response.status_code == 422
        assert "error" in response.json()
    for body in ({"k": 0}, {"k": 101}, {"evaluate": "yes"}, {"nope": 1}):
        response = api.post("/recommendations/refit", json=body)
        assert response.status_code == 422, body
    rep, _ = api.as_new_user("rep")
    assert rep.post("/recommendations/refit", json={}).status_code == 403
    assert api.get("/recommendations/fit").json()["fit_id"] is None  # nothing stored
    empty = api.post("/recommendations/refit", json={}).json()
    assert empty["evaluation"] == {"error": "orders: no purchases to evaluate recommendations on"}
    assert api.get(f"/persons/{person}/recommendations").json()["items"] == []
