"""``twofold predict fit`` as a real subprocess: predictions written, prediction segments
re-evaluated, clear errors (exit 1, nothing written) for too little data, bad options and a
server holding the event store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_cli
from sqlalchemy import insert

from crm_orders_support import add_order, days_ago, write_simulated
from recs_support import add_purchases, planted_shop
from twofold.events.store import EventStore, event_store_path
from twofold.store.database import Database
from twofold.store.models import Person, User


@pytest.fixture
def home(tmp_path: Path, admin: User) -> Path:
    del admin  # an initialised database with a user, as after `twofold init`
    return tmp_path / "home"


def fits(home: Path) -> int:
    store = EventStore(event_store_path(home))
    try:
        with store.reader() as reader:
            row = reader.execute("SELECT count(*) FROM prediction_fits").fetchone()
            return int(row[0]) if row else 0
    finally:
        store.close()


def test_fit_writes_predictions_and_updates_prediction_segments(
    home: Path, database_url: str, database: Database
) -> None:
    store = EventStore(event_store_path(home))
    write_simulated(store)
    store.close()
    # The simulated customers 1-400 are people of the CRM (segments hold only existing people).
    with database.transaction() as session:
        session.execute(insert(Person), [{"id": i, "first_name": f"C{i}"} for i in range(1, 401)])
    rule = json.dumps({"prediction": "churn_risk", "op": "gte", "value": 0.7})
    created = run_cli(home, database_url, "segments", "create", "Risky", "--rule", rule)
    assert created.returncode == 0, created.stderr

    result = run_cli(home, database_url, "predict", "fit", "--json", "--horizon-weeks", "26")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["persons"] == 400
    assert report["has_clv"] is True
    store = EventStore(event_store_path(home))
    try:
        with store.reader() as reader:
            risky = reader.execute(
                "SELECT count(*) FROM person_predictions WHERE churn_risk >= 0.7"
            ).fetchone()
            members = reader.execute(
                "SELECT count(*) FROM segment_members m JOIN segment_evaluations e "
                "USING (segment_id)"
            ).fetchone()
            horizon = reader.execute("SELECT horizon_weeks FROM prediction_fits").fetchone()
    finally:
        store.close()
    assert risky is not None
    assert risky[0] > 0
    listed = run_cli(home, database_url, "segments", "list")
    assert "Risky" in listed.stdout
    assert members is not None
    assert members[0] >= risky[0]
    assert horizon == (26.0,)


def test_too_little_data_bad_options_and_a_running_server_are_refused(
    home: Path, database_url: str
) -> None:
    store = EventStore(event_store_path(home))
    for person in range(1, 4):
        add_order(store, person, days_ago(person), 10)
    store.close()
    too_few = run_cli(home, database_url, "predict", "fit")
    assert too_few.returncode == 1
    assert "Error:" in too_few.stderr
    assert "at least 10 customers" in too_few.stderr
    for option in (["--horizon-weeks", "0"], ["--discount-rate", "2"], ["--horizon-weeks", "x"]):
        bad = run_cli(home, database_url, "predict", "fit", *option)
        assert bad.returncode != 0
    held = EventStore(event_store_path(home))  # as a running server does
    try:
        busy = run_cli(home, database_url, "predict", "fit")
        assert busy.returncode == 1
        assert "running Twofold server" in busy.stderr
        assert "POST /api/v1/predictions/refresh" in busy.stderr
    finally:
        held.close()
    assert fits(home) == 0


def test_recommendations_fit_and_evaluate(home: Path, database_url: str) -> None:
    store = EventStore(event_store_path(home))
    try:
        add_purchases(store, planted_shop(200, seed=3))
    finally:
        store.close()
    done = run_cli(home, database_url, "predict", "recommendations", "--k", "5")
    assert done.returncode == 0, done.stderr
    assert "Recommendations fitted: 75 products" in done.stdout
    assert "item-to-item" in done.stdout
    assert "most popular" in done.stdout
    as_json = run_cli(home, database_url, "predict", "recommendations", "--no-evaluate", "--json")
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert (body["products"], body["evaluation"]) == (75, None)
    bad = run_cli(home, database_url, "predict", "recommendations", "--k", "0")
    assert bad.returncode != 0
    assert fits(home) == 0  # the predictions were not touched
