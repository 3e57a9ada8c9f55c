"""Pipeline analytics over HTTP against numbers worked out by hand (tests/analytics_world.py):
every report, every filter, who may see what, and every bad parameter answered with a 4xx
JSON error that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from analytics_world import AnalyticsWorld, build_analytics_world
from support import ApiClient
from twofold.store.models import Deal, DealStageVisit, TimelineEntry, User

Q1 = "2027-Q1"


@pytest.fixture
def world(api: ApiClient, admin: User) -> AnalyticsWorld:
    with api.database.transaction() as session:
        return build_analytics_world(session, session.merge(admin))


@pytest.fixture
def clients(api: ApiClient, world: AnalyticsWorld) -> Iterator[dict[str, ApiClient]]:
    """An API client per user of the world."""
    with api.database.transaction() as session:
        users = {
            key: session.scalars(select(User).where(User.email == email)).one()
            for key, email in world.emails.items()
        }
    made = {key: ApiClient.for_user(api.server_url, api.database, u) for key, u in users.items()}
    yield made
    for client in made.values():
        client.close()


def report(client: ApiClient, name: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/pipeline-analytics/{name}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def win_rates(body: dict[str, Any]) -> tuple[int, int, str | None]:
    return body["won_count"], body["lost_count"], body["win_rate"]


def test_outcomes_of_the_quarter(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "outcomes", period=Q1)
    assert {key: body[key] for key in ("period", "start", "end", "currency")} == {
        "period": Q1,
        "start": "2027-01-01",
        "end": "2027-03-31",
        "currency": "USD",
    }
    # W1-W3 won, L1-L4 lost: 3 / 7.
    assert win_rates(body) == (3, 4, "42.9")
    # Created → won: 40 + 90 + 47 days = 177 / 3.
    assert body["average_cycle_days"] == "59.0"
    # 10,000 USD + 5,000 EUR at 1.20 (March) + 8,000 GBP at 1.30 (from March 15th).
    assert body["won_amount"] == {"amount": "26400.00", "deal_count": 3, "unconverted": []}
    assert body["average_won_amount"] == "8800.00"
    # O1-O5 open now; 5 x 3/7 x 8,800 / 59 = 132,000 / 413.
    assert body["open_deal_count"] == 5
    assert body["velocity_per_day"] == "319.61"


def test_win_rate_by_segment(api: ApiClient, world: AnalyticsWorld) -> None:
    segments = report(api, "outcomes", period=Q1)["segments"]

    def rows(name: str) -> list[tuple[str, int, int, str | None]]:
        return [
            (r["value"], r["won_count"], r["lost_count"], r["win_rate"]) for r in segments[name]
        ]

    # Most closed deals first, then by name.
    assert rows("industry") == [
        ("Software", 1, 2, "33.3"),  # Acme: W1, L1, L3
        ("(none)", 1, 1, "50.0"),  # Initech: W3, L4
        ("Retail", 1, 1, "50.0"),  # Globex: W2, L2
    ]
    assert rows("size_band") == [
        ("51-200", 1, 2, "33.3"),
        ("1001-5000", 1, 1, "50.0"),
        ("unknown", 1, 1, "50.0"),
    ]
    assert rows("region") == [("EMEA", 1, 2, "33.3"), ("APAC", 1, 1, "50.0"), ("NA", 1, 1, "50.0")]
    assert rows("source") == [
        ("inbound", 2, 2, "50.0"),  # W1, W3, L1, L3
        ("outbound", 1, 1, "50.0"),  # W2, L2
        ("(none)", 0, 1, "0.0"),  # L4
    ]


def test_every_filter_narrows_the_deals(api: ApiClient, world: AnalyticsWorld) -> None:
    users = world.users
    assert win_rates(report(api, "outcomes", period=Q1, owner_id=users["rep_a"])) == (2, 1, "66.7")
    # The manager's team leaves the outsider's L4 out.
    assert win_rates(report(api, "outcomes", period=Q1, team_of=users["mgr"])) == (3, 3, "50.0")
    assert win_rates(report(api, "outcomes", period=Q1, industry="Software")) == (1, 2, "33.3")
    assert win_rates(report(api, "outcomes", period=Q1, region="NA")) == (1, 1, "50.0")
    assert win_rates(report(api, "outcomes", period=Q1, size_band="unknown")) == (1, 1, "50.0")
    assert win_rates(report(api, "outcomes", period=Q1, size_band="51-200")) == (1, 2, "33.3")
    assert win_rates(report(api, "outcomes", period=Q1, size_band="5001+")) == (0, 0, None)
    assert win_rates(report(api, "outcomes", period=Q1, source="outbound")) == (1, 1, "50.0")
    assert win_rates(report(api, "outcomes", period=Q1, industry="Software", source="inbound")) == (
        1,
        2,
        "33.3",
    )
    # 2026-Q4: X1 won (default pipeline), R1 lost (Renewals).
    assert win_rates(report(api, "outcomes", period="2026-Q4")) == (1, 1, "50.0")
    by_pipeline = report(api, "outcomes", period="2026-Q4", pipeline_id=world.pipeline_id)
    assert win_rates(by_pipeline) == (1, 0, "100.0")
    assert by_pipeline["filters"]["pipeline_id"] == world.pipeline_id
    renewals = report(api, "outcomes", period="2026-Q4", pipeline_id=world.renewals_id)
    assert win_rates(renewals) == (0, 1, "0.0")
    assert renewals["velocity_per_day"] is None
    # A month: only January's closes (L1, L2).
    assert win_rates(report(api, "outcomes", period="2027-01")) == (0, 2, "0.0")


def test_rep_a_cycle_and_velocity(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "outcomes", period=Q1, owner_id=world.users["rep_a"])
    # W1 40 days, W3 47 days; 10,000 + 10,400.
    assert body["average_cycle_days"] == "43.5"
    assert body["average_won_amount"] == "10200.00"
    # O1 and O3 open: 2 x 2/3 x 10,200 / 43.5 = 40,800 / 130.5.
    assert body["open_deal_count"] == 2
    assert body["velocity_per_day"] == "312.64"


def funnel_rows(pipeline: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["name"], s["reached"], s["lost"], s["conversion_percent"], s["stays"], s["average_days"])
        for s in pipeline["stages"]
    ]


def test_funnel_with_drop_off_lost_reasons_and_days(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "funnel", period=Q1)
    default, renewals = body["pipelines"]
    assert (default["pipeline_id"], default["won_count"], default["lost_count"]) == (
        world.pipeline_id,
        3,
        4,
    )
    # Furthest stage of the lost: L2, L4 Qualification; L1 Discovery; L3 Solution demo.
    # Stays: Qualification 10+20+47+10+10+10+10 = 117 / 7; Discovery 10+70+10+10 = 100 / 4;
    # Solution demo 20+10 = 30 / 2.
    assert funnel_rows(default) == [
        ("Qualification", 7, 2, "71.4", 7, "16.7"),
        ("Discovery", 5, 1, "80.0", 4, "25.0"),
        ("Solution demo", 4, 1, "75.0", 2, "15.0"),
        ("Proposal", 3, 0, "100.0", 0, None),
        ("Negotiation", 3, 0, "100.0", 0, None),
        ("Closed won", 3, 0, None, 0, None),
    ]
    reasons = {s["name"]: s["lost_reasons"] for s in default["stages"]}
    assert reasons["Qualification"] == [{"reason": "Price", "count": 2}]
    assert reasons["Discovery"] == [{"reason": "Price", "count": 1}]
    assert reasons["Solution demo"] == [{"reason": "No budget", "count": 1}]
    assert renewals["name"] == "Renewals"
    assert (renewals["won_count"], renewals["lost_count"]) == (0, 0)
    # The Renewals funnel of 2026-Q4: R1 was lost in Upcoming.
    q4 = report(api, "funnel", period="2026-Q4", pipeline_id=world.renewals_id)["pipelines"]
    assert [funnel_rows(p) for p in q4] == [
        [("Upcoming", 1, 1, "0.0", 1, "50.0"), ("Renewed", 0, 0, None, 0, None)]
    ]
    assert q4[0]["stages"][0]["lost_reasons"] == [{"reason": "Churned", "count": 1}]


def test_funnel_follows_the_filters(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "funnel", period=Q1, region="EMEA", pipeline_id=world.pipeline_id)
    [acme] = body["pipelines"]
    # Acme: W1 won; L1 lost in Discovery; L3 lost in Solution demo.
    assert [row[:3] for row in funnel_rows(acme)] == [
        ("Qualification", 3, 0),
        ("Discovery", 3, 1),
        ("Solution demo", 2, 1),
        ("Proposal", 1, 0),
        ("Negotiation", 1, 0),
        ("Closed won", 1, 0),
    ]


def test_funnel_of_a_team(api: ApiClient, world: AnalyticsWorld) -> None:
    # The manager's team leaves the outsider's L4 (lost in Qualification) out.
    body = report(api, "funnel", period=Q1, team_of=world.users["mgr"])
    default = body["pipelines"][0]
    assert [row[:3] for row in funnel_rows(default)][:2] == [
        ("Qualification", 6, 1),
        ("Discovery", 5, 1),
    ]
    assert default["stages"][0]["stays"] == 6


def test_coverage(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "coverage", period=Q1)
    # Open, not omitted, closing in Q1: O1 20,000 + O2 10,000 EUR at 1.20; O5's JPY apart.
    assert body["open_pipeline"] == {
        "amount": "32000.00",
        "deal_count": 2,
        "unconverted": [{"currency": "JPY", "amount": "100000", "deal_count": 1}],
    }
    # Won with a close date in Q1: W1 10,000 + W2 6,000 + W3 10,400.
    assert body["won"]["amount"] == "26400.00"
    # rep_a 30,000 + rep_b 11,000 + 5,000; the outsider's JPY quota has no rate.
    assert body["quota"] == "46000.00"
    assert body["quota_unconverted"] == [{"currency": "JPY", "amount": "1000000"}]
    assert body["remaining_quota"] == "19600.00"
    assert body["coverage"] == "1.63"  # 32,000 / 19,600
    rep_a = report(api, "coverage", period=Q1, owner_id=world.users["rep_a"])
    # O1 20,000 against 30,000 - (10,000 + 10,400).
    assert (rep_a["open_pipeline"]["amount"], rep_a["quota"], rep_a["remaining_quota"]) == (
        "20000.00",
        "30000.00",
        "9600.00",
    )
    assert rep_a["coverage"] == "2.08"
    team = report(api, "coverage", period=Q1, team_of=world.users["mgr"])
    assert (team["quota"], team["coverage"], team["open_pipeline"]["unconverted"]) == (
        "46000.00",
        "1.63",
        [],
    )
    # A segment narrows the open pipeline, not the quota or what was won: NA is O2 only.
    na = report(api, "coverage", period=Q1, region="NA")
    assert (na["open_pipeline"]["amount"], na["remaining_quota"], na["coverage"]) == (
        "12000.00",
        "19600.00",
        "0.61",
    )
    # No quota: no coverage.
    mgr_only = report(api, "coverage", period=Q1, owner_id=world.users["mgr"])
    assert (mgr_only["quota"], mgr_only["remaining_quota"], mgr_only["coverage"]) == (
        None,
        None,
        None,
    )


def test_revenue(api: ApiClient, world: AnalyticsWorld) -> None:
    body = report(api, "revenue", period=Q1)
    months = [
        (m["month"], m["expected"]["amount"], m["expected"]["deal_count"], m["actual"]["amount"])
        for m in body["months"]
    ]
    # Expected = amount x probability: January O4 7,000 x 10%; February W1 10,000 + O2
    # 10,000 EUR x 40% at 1.20 (O5's JPY apart); March W2 6,000 + W3 10,400 + O1 20,000 x 20%.
    # Actual = won by close time: W1 in February, W2 and W3 in March.
    assert months == [
        ("2027-01", "700.00", 1, "0.00"),
        ("2027-02", "14800.00", 2, "10000.00"),
        ("2027-03", "20400.00", 3, "16400.00"),
    ]
    assert body["months"][1]["expected"]["unconverted"] == [
        {"currency": "JPY", "amount": "10000", "deal_count": 1}
    ]
    named = [(r["name"], r["amount"], r["deal_count"]) for r in body["by_region"]]
    assert named == [("APAC", "10400.00", 1), ("EMEA", "10000.00", 1), ("NA", "6000.00", 1)]
    named = [(r["name"], r["amount"], r["deal_count"]) for r in body["by_industry"]]
    assert named == [
        ("(none)", "10400.00", 1),
        ("Software", "10000.00", 1),
        ("Retail", "6000.00", 1),
    ]
    rep_b = report(api, "revenue", period="2027-03", owner_id=world.users["rep_b"])
    assert [
        (m["month"], m["expected"]["amount"], m["actual"]["amount"]) for m in rep_b["months"]
    ] == [("2027-03", "6000.00", "6000.00")]
    assert [(r["name"], r["amount"]) for r in rep_b["by_region"]] == [("NA", "6000.00")]


def test_who_sees_what(world: AnalyticsWorld, clients: dict[str, ApiClient]) -> None:
    users = world.users
    # A rep without filters sees their own team (themselves): rep_a won W1 and W3, lost L1.
    own = report(clients["rep_a"], "outcomes", period=Q1)
    assert own["filters"]["team_of"] == users["rep_a"]
    assert win_rates(own) == (2, 1, "66.7")
    # A manager sees their team and the people in it.
    assert win_rates(report(clients["mgr"], "outcomes", period=Q1)) == (3, 3, "50.0")
    assert (
        report(clients["mgr"], "hygiene", owner_id=users["rep_b"])["filters"]["owner_id"]
        == (users["rep_b"])
    )
    for client, params in (
        (clients["rep_a"], {"owner_id": users["rep_b"]}),
        (clients["rep_a"], {"team_of": users["mgr"]}),
        (clients["mgr"], {"owner_id": users["outsider"]}),
    ):
        for name in ("coverage", "funnel", "outcomes", "revenue"):
            response = client.get(f"/pipeline-analytics/{name}", params={"period": Q1, **params})
            assert response.status_code == 403, (name, params, response.text)
            assert response.json()["error"]["code"] == "permission_denied"
        response = client.get("/pipeline-analytics/hygiene", params=params)
        assert response.status_code == 403


def test_hygiene_over_http(api: ApiClient, world: AnalyticsWorld) -> None:
    # The world's open deals are dated 2027; today they have entered their stages "in the
    # future", so only the date-free checks are certain: nobody logged anything lately...
    body = report(api, "hygiene", idle_days=30, limit=2)
    assert body["open_deal_count"] == 5
    assert body["idle_days"] == 30
    checks = body["checks"]
    assert set(checks) == {
        "rotting",
        "stale",
        "past_close_date",
        "no_next_step",
        "no_recent_activity",
        "missing_required_fields",
    }
    assert checks["no_next_step"]["count"] == 2  # O2, O4
    assert [d["name"] for d in checks["no_next_step"]["deals"]] == ["O4", "O2"]
    assert checks["missing_required_fields"]["count"] == 1
    [o2] = checks["missing_required_fields"]["deals"]
    assert (o2["name"], o2["missing"], o2["stage_name"], o2["amount"], o2["currency"]) == (
        "O2",
        ["next_step"],
        "Solution demo",
        "10000.00",
        "EUR",
    )
    assert len(checks["no_recent_activity"]["deals"]) == 2  # the limit
    only_b = report(api, "hygiene", owner_id=world.users["rep_b"], region="NA")
    assert only_b["open_deal_count"] == 1  # O2


BAD_PARAMETERS = [
    ({"period": "2027-Q5"}, "period"),
    ({"period": "2027-13"}, "period"),
    ({"period": "soon"}, "period"),
    ({"period": Q1, "pipeline_id": 999_999}, "pipeline_id"),
    ({"period": Q1, "pipeline_id": "one"}, "pipeline_id"),
    ({"period": Q1, "pipeline_id": 0}, "pipeline_id"),
    ({"period": Q1, "owner_id": 999_999}, "owner_id"),
    ({"period": Q1, "owner_id": -1}, "owner_id"),
    ({"period": Q1, "team_of": 999_999}, "team_of"),
    ({"period": Q1, "team_of": 2**64}, "team_of"),
    ({"period": Q1, "size_band": "huge"}, "size_band"),
    ({"period": Q1, "industry": "x" * 101}, "industry"),
    ({"period": "x" * 21}, "period"),
]


def _state(api: ApiClient) -> tuple[int, int, int]:
    with api.database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Deal)) or 0,
            session.scalar(select(func.count()).select_from(DealStageVisit)) or 0,
            session.scalar(select(func.count()).select_from(TimelineEntry)) or 0,
        )


def test_bad_parameters_are_4xx_json_and_change_nothing(
    api: ApiClient, world: AnalyticsWorld
) -> None:
    before = _state(api)
    for name in ("coverage", "funnel", "outcomes", "revenue"):
        for params, field in BAD_PARAMETERS:
            response = api.get(f"/pipeline-analytics/{name}", params=params)
            assert response.status_code == 422, (name, params, response.text)
            error = response.json()["error"]
            assert error["code"] == "validation_error", error
            assert any(field in str(detail["field"]) for detail in error["details"]), error
        missing = api.get(f"/pipeline-analytics/{name}")
        assert missing.status_code == 422
        assert "period" in str(missing.json()["error"]["details"])
    for params in ({"idle_days": 0}, {"idle_days": "many"}, {"limit": 501}, {"size_band": "?"}):
        response = api.get("/pipeline-analytics/hygiene", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    unauthenticated = ApiClient(api.server_url, api.database, "not-a-key")
    with unauthenticated:
        response = unauthenticated.get("/pipeline-analytics/outcomes", params={"period": Q1})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert _state(api) == before
