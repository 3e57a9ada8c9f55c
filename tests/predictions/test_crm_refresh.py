"""Fitting on the CRM's own orders: summaries, scores and RFM written to person_predictions in
one transaction; refusals that leave the previous predictions in place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import orjson
import pytest

from crm_orders_support import (
    NOW,
    add_order,
    add_rate,
    days_ago,
    simulated_purchases,
    write_simulated,
)
from twofold.events.person_events import finish_erasure
from twofold.events.store import EventStore
from twofold.predictions.bgnbd import fit_bgnbd
from twofold.predictions.crm_fit import PredictionOptions
from twofold.predictions.errors import NotEnoughData
from twofold.predictions.gammagamma import fit_gammagamma
from twofold.predictions.refresh import read_order_history, refresh_predictions
from twofold.predictions.scoring import score
from twofold.predictions.summaries import (
    CustomerSummaries,
    Transactions,
    day_number,
    summarise_as_of,
)
from twofold.store.database import Database

# person: purchases as (days before NOW, amount in USD)
HISTORY = {
    101: [(300, 40), (250, 60), (100, 50), (12, 70)],
    102: [(280, 25), (140, 35)],
    103: [(270, 90)],
    104: [(260, 10), (200, 30), (150, 20)],
    105: [(240, 80), (30, 100)],
    106: [(230, 15)],
    107: [(220, 45), (210, 55), (60, 65)],
    108: [(200, 70), (5, 90)],
    109: [(190, 30), (180, 30), (170, 30), (160, 30)],
    110: [(150, 120), (75, 80)],
    111: [(140, 60), (20, 40)],
    112: [(130, 25), (100, 35), (3, 45)],
    113: [(90, 200)],
    114: [(80, 55), (40, 65)],
}
# Worked out by hand from HISTORY: x, t_x in days, T in days, mean repeat spend.
SUMMARIES = {
    101: (3, 288, 300, 60), 102: (1, 140, 280, 35), 103: (0, 0, 270, 0),
    104: (2, 110, 260, 25), 105: (1, 210, 240, 100), 106: (0, 0, 230, 0),
    107: (2, 160, 220, 60), 108: (1, 195, 200, 90), 109: (3, 30, 190, 30),
    110: (1, 75, 150, 80), 111: (1, 120, 140, 40), 112: (2, 127, 130, 40),
    113: (0, 0, 90, 0), 114: (1, 40, 80, 65),
}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    events = EventStore(tmp_path / "events.duckdb")
    yield events  # type: ignore[misc]
    events.close()


def write_history(store: EventStore) -> None:
    for person, purchases in HISTORY.items():
        for ago, amount in purchases:
            add_order(store, person, days_ago(ago), amount)


def hand_summaries(table: dict[int, tuple[int, int, int, int]]) -> CustomerSummaries:
    rows = np.array([table[p] for p in sorted(table)], dtype=np.float64)
    return CustomerSummaries(
        customer_ids=np.array(sorted(table), dtype=np.object_),
        frequency=rows[:, 0], recency=rows[:, 1] / 7, age=rows[:, 2] / 7, monetary=rows[:, 3],
        holdout_frequency=np.zeros(len(rows)), calibration_end=NOW.date(),
        holdout_end=NOW.date(),
    )  # fmt: skip


def predictions(store: EventStore) -> dict[int, tuple[object, ...]]:
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT person_id, churn_risk, probability_alive, expected_purchases, predicted_clv, "
            "expected_next_order_days, rfm_score, rfm_group, recency, frequency, monetary, "
            "scored_at FROM person_predictions ORDER BY person_id"
        ).fetchall()
    return {int(row[0]): row[1:] for row in rows}


def test_purchases_give_the_hand_computed_summaries(store: EventStore, database: Database) -> None:
    write_history(store)
    add_order(store, 101, days_ago(1), 999, status="cancelled")  # not a purchase
    add_order(store, 102, days_ago(2), 0, refunded=30, status="refunded")  # bought nothing
    add_order(store, 103, days_ago(4), 5, refunded=5, status="refunded")  # 5 of 10 kept
    add_order(store, None, days_ago(3), 50)  # anonymous: nobody to score
    add_order(store, 104, days_ago(-2), 50)  # placed after "now"

    history = read_order_history(store, database, base_currency="USD", until=NOW)
    summaries = summarise_as_of(history.transactions, as_of=NOW.date())

    expected = hand_summaries({**SUMMARIES, 103: (1, 266, 270, 5)})
    assert list(summaries.customer_ids) == list(expected.customer_ids)
    for column in ("frequency", "recency", "age", "monetary"):
        np.testing.assert_allclose(getattr(summaries, column), getattr(expected, column))
    assert history.purchases == sum(len(p) for p in HISTORY.values()) + 1
    assert history.without_rate == 0


def test_predictions_equal_the_models_fitted_to_the_same_purchases(
    store: EventStore, database: Database
) -> None:
    rows = simulated_purchases(400, seed=6)
    write_simulated(store)
    report = refresh_predictions(store, database, base_currency="USD", now=NOW)

    # The same purchases, straight from Python into the validated summariser.
    people = np.array(sorted({person for person, _, _ in rows}))
    transactions = Transactions(
        customers=np.searchsorted(people, [person for person, _, _ in rows]).astype(np.int64),
        days=np.array([day_number(days_ago(ago).date()) for _, ago, _ in rows], dtype=np.int64),
        amounts=np.array([amount for _, _, amount in rows]),
        customer_ids=people.astype(np.object_),
    )
    summaries = summarise_as_of(transactions, as_of=NOW.date())
    purchases = fit_bgnbd(summaries.frequency, summaries.recency, summaries.age)
    spend = fit_gammagamma(summaries.frequency, summaries.monetary)
    expected = score(purchases.params, spend.params, summaries)
    written = predictions(store)
    assert sorted(written) == people.tolist()
    assert report.persons == len(people)
    assert report.purchases == len(rows)
    assert report.has_clv
    columns = list(zip(*(written[int(p)] for p in people), strict=True))
    np.testing.assert_allclose(columns[0], expected.churn_risk, rtol=1e-9)
    np.testing.assert_allclose(columns[1], expected.probability_alive, rtol=1e-9)
    np.testing.assert_allclose(columns[2], expected.expected_purchases, rtol=1e-9)
    np.testing.assert_allclose(columns[3], expected.clv, rtol=1e-9)
    np.testing.assert_allclose(columns[4], expected.weeks_to_next_purchase * 7, rtol=1e-9)
    assert set(columns[-1]) == {NOW}
    with store.reader() as reader:
        fit = reader.execute(
            "SELECT purchase_params, log_likelihood, spend_params, persons, repeat_customers, "
            "currency, as_of, holdout FROM prediction_fits"
        ).fetchall()
    assert len(fit) == 1
    assert orjson.loads(fit[0][0]) == pytest.approx(purchases.params.as_dict(), rel=1e-9)
    assert fit[0][1] == pytest.approx(purchases.log_likelihood, rel=1e-9)
    assert orjson.loads(fit[0][2]) == pytest.approx(spend.params.as_dict(), rel=1e-9)
    repeaters = int((summaries.frequency > 0).sum())
    assert fit[0][3:7] == (len(people), repeaters, "USD", NOW.date())
    holdout = orjson.loads(fit[0][7])
    assert holdout["holdout_end"] == "2026-06-15"
    assert holdout["calibration_end"] == "2025-12-15"  # 182 days held out
    assert sum(g["customers"] for g in holdout["groups"]) == holdout["customers"]


def test_amounts_convert_with_the_rate_of_the_order_day(
    store: EventStore, database: Database
) -> None:
    write_history(store)
    with database.transaction() as session:
        add_rate(session, "EUR", date(2025, 1, 1), "1.25")
        add_rate(session, "EUR", days_ago(50).date(), "2.00")  # after the order below
    # 113 buys again 60 days ago for 80 EUR = 100 USD (the 1.25 rate of that day).
    add_order(store, 113, days_ago(60), 80, currency="EUR")
    add_order(store, 106, days_ago(10), 40, currency="GBP")  # no GBP rate: left out

    history = read_order_history(store, database, base_currency="USD", until=NOW)

    assert history.without_rate == 1
    rfm = {
        int(person): (recency, frequency, monetary)
        for person, recency, frequency, monetary in zip(
            history.rfm.person_ids, history.rfm.recency, history.rfm.frequency,
            history.rfm.monetary, strict=True,
        )
    }  # fmt: skip
    assert rfm[113] == (60.0, 2.0, 300.0)  # 200 USD + 100 USD
    assert rfm[106] == (230.0, 1.0, 15.0)


def test_too_few_customers_writes_nothing_and_keeps_the_previous_predictions(
    store: EventStore, database: Database
) -> None:
    write_simulated(store)
    refresh_predictions(store, database, base_currency="USD", now=NOW)
    before = predictions(store)
    with store.writer() as writer:
        writer.execute("DELETE FROM orders WHERE person_id > 5")

    with pytest.raises(NotEnoughData, match="at least 10 customers; the data has 5"):
        refresh_predictions(store, database, base_currency="USD", now=NOW)

    assert predictions(store) == before
    with store.reader() as reader:
        assert reader.execute("SELECT count(*) FROM prediction_fits").fetchone() == (1,)


def test_no_orders_and_no_repeat_purchases_are_refused(
    store: EventStore, database: Database
) -> None:
    with pytest.raises(NotEnoughData, match="no purchases"):
        refresh_predictions(store, database, base_currency="USD", now=NOW)
    add_order(store, 1, days_ago(5), 20, currency="EUR")
    with pytest.raises(NotEnoughData, match=r"no purchases .*1 orders have no rate into USD"):
        refresh_predictions(store, database, base_currency="USD", now=NOW)
    for person in range(2, 20):
        add_order(store, person, days_ago(person), 20)
    with pytest.raises(NotEnoughData, match="repeat"):
        refresh_predictions(store, database, base_currency="USD", now=NOW)
    assert predictions(store) == {}


def test_too_few_repeat_buyers_for_spend_scores_without_clv(
    store: EventStore, database: Database
) -> None:
    write_simulated(store)
    with store.writer() as writer:  # only three customers keep their repeat purchases
        writer.execute(
            "DELETE FROM orders WHERE person_id > 3 AND placed_at > (SELECT min(placed_at) "
            "FROM orders o WHERE o.person_id = orders.person_id)"
        )

    report = refresh_predictions(store, database, base_currency="USD", now=NOW)

    assert not report.has_clv
    assert any("no CLV" in note and "at least 10" in note for note in report.notes)
    written = predictions(store)
    assert all(row[3] is None for row in written.values())
    assert all(row[1] is not None for row in written.values())


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"horizon_weeks": 0}, "horizon_weeks"),
        ({"horizon_weeks": 600}, "horizon_weeks"),
        ({"horizon_weeks": float("nan")}, "horizon_weeks"),
        ({"annual_discount_rate": -0.1}, "annual_discount_rate"),
        ({"annual_discount_rate": 1.5}, "annual_discount_rate"),
    ],
)
def test_bad_options_are_refused(options: dict[str, float], field: str) -> None:
    with pytest.raises(Exception, match=field) as raised:
        PredictionOptions(**options)
    assert type(raised.value).__name__ == "ValidationFailed"


def test_erasure_removes_the_persons_predictions(store: EventStore, database: Database) -> None:
    write_simulated(store)
    refresh_predictions(store, database, base_currency="USD", now=NOW)
    assert 7 in predictions(store)
    finish_erasure(store, 7)
    assert 7 not in predictions(store)
