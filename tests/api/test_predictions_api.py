"""/api/v1/predictions through a live server: a refit on demand updates predictions, profiles
and prediction segments; the scheduled refit; bad input and refusals store nothing."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from crm_orders_support import NOW, add_order, days_ago, write_simulated
from support import ApiClient, ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.events.store import EventStore, event_store_path
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database
from twofold.store.models import User


def wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.1)


def serve(
    settings: Settings, database: Database, admin: User, *, refresh_seconds: int
) -> Iterator[tuple[ApiClient, Ingestion]]:
    chosen = dataclasses.replace(settings, predictions_refresh_seconds=refresh_seconds)
    app = create_app(chosen, database=database)
    with ThreadedServer(app).running() as url, ApiClient.for_user(url, database, admin) as client:
        yield client, app.state.ingestion


@pytest.fixture
def server(
    settings: Settings, database: Database, admin: User
) -> Iterator[tuple[ApiClient, Ingestion]]:
    yield from serve(settings, database, admin, refresh_seconds=0)


def fits(ingestion: Ingestion) -> int:
    with ingestion.store.reader() as reader:
        row = reader.execute("SELECT count(*) FROM prediction_fits").fetchone()
    return int(row[0]) if row else 0


def stored(ingestion: Ingestion, person_id: int) -> tuple[Any, ...]:
    with ingestion.store.reader() as reader:
        row = reader.execute(
            "SELECT churn_risk, probability_alive, rfm_group FROM person_predictions "
            "WHERE person_id = ?",
            [person_id],
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_a_refresh_writes_predictions_shown_on_profiles_and_in_segments(
    server: tuple[ApiClient, Ingestion],
) -> None:
    api, ingestion = server
    person_id = api.created("/persons", {"first_name": "Ann", "last_name": "Ash"})["id"]
    write_simulated(ingestion.store)
    churners = api.created(
        "/segments",
        {"name": "Churners", "rule": {"prediction": "churn_risk", "op": "gte", "value": 0.7}},
    )
    assert churners["member_count"] == 0
    assert api.get("/predictions/fit").status_code == 404

    answer = api.post("/predictions/refresh", json={"horizon_weeks": 26})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["persons"] == 400
    assert report["has_clv"] is True

    fit = api.get("/predictions/fit").json()
    assert fit["fit_id"] == report["fit_id"]
    assert set(fit["purchase_params"]) == {"r", "alpha", "a", "b"}
    assert set(fit["spend_params"]) == {"p", "q", "gamma"}
    assert fit["horizon_weeks"] == 26
    assert fit["currency"] == "USD"
    churn, alive, group = stored(ingestion, person_id)
    mine = api.get(f"/persons/{person_id}/predictions").json()
    assert mine["churn_risk"] == round(100 * churn, 2)
    assert mine["probability_alive"] == round(100 * alive, 2)
    assert mine["rfm_group"] == group
    assert api.get(f"/persons/{person_id}/profile").json()["predictions"] == {
        key: value for key, value in mine.items() if key != "person_id"
    }
    with ingestion.store.reader() as reader:
        row = reader.execute(
            "SELECT count(*) FILTER (WHERE churn_risk >= 0.7), count(*) FROM person_predictions"
        ).fetchone()
        existing = reader.execute(
            "SELECT count(*) FILTER (WHERE p.churn_risk >= 0.7) FROM person_predictions p "
            "JOIN person_facts f ON f.person_id = p.person_id"
        ).fetchone()
    assert row is not None
    assert existing is not None
    assert row[0] > 0
    # Members are existing people: of the 400 simulated customers only Ann is a person.
    assert api.get(f"/segments/{churners['id']}").json()["member_count"] == existing[0]
    scored = api.created(
        "/segments",
        {"name": "Scored", "rule": {"prediction": "churn_risk", "op": "gte", "value": 0}},
    )
    assert scored["member_count"] == 1


def test_bad_options_and_roles_are_refused_and_nothing_is_written(
    server: tuple[ApiClient, Ingestion],
) -> None:
    api, ingestion = server
    write_simulated(ingestion.store)
    for body in (
        {"horizon_weeks": 0},
        {"horizon_weeks": 600},
        {"annual_discount_rate": -0.5},
        {"annual_discount_rate": "a lot"},
        {"horizon": 10},
    ):
        answer = api.post("/predictions/refresh", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == "validation_error"
    bad_json = api.post(
        "/predictions/refresh", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    rep, _ = api.as_new_user("rep")
    with rep:
        assert rep.post("/predictions/refresh").status_code == 403
        assert rep.get("/persons/1/predictions").status_code == 404  # unknown person
    assert fits(ingestion) == 0
    marketer, _ = api.as_new_user("marketer")
    with marketer:
        assert marketer.post("/predictions/refresh").status_code == 200
    assert fits(ingestion) == 1


def test_not_enough_data_is_a_clear_422_and_keeps_the_previous_predictions(
    server: tuple[ApiClient, Ingestion],
) -> None:
    api, ingestion = server
    answer = api.post("/predictions/refresh")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "not_enough_data"
    assert "no purchases" in answer.json()["error"]["message"]
    for person in range(1, 6):
        add_order(ingestion.store, person, days_ago(person), 10)
        add_order(ingestion.store, person, days_ago(person + 20), 10)
    answer = api.post("/predictions/refresh")
    assert answer.status_code == 422
    assert "at least 10 customers" in answer.json()["error"]["message"]
    assert fits(ingestion) == 0


def test_the_server_refits_on_its_schedule(
    settings: Settings, database: Database, admin: User
) -> None:
    events = EventStore(event_store_path(settings.home))
    write_simulated(events)
    events.close()
    running = serve(settings, database, admin, refresh_seconds=3600)
    api, ingestion = next(running)
    try:
        wait_for(lambda: fits(ingestion) == 1)
        fit = api.get("/predictions/fit").json()
        assert fit["persons"] == 400
        assert fit["as_of"] >= NOW.date().isoformat()
    finally:
        running.close()
