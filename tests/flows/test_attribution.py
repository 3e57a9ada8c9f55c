"""Attribution (issue 7, part 7): orders after a flow's messages, per flow, step and variant,
and A/B splits by intention to treat with the two-proportion z-test — every number below is
worked out by hand in the comments. Real SQLite/PostgreSQL and DuckDB."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from flows_support import T0, Shop, shop
from support import ApiClient
from twofold.core.errors import ValidationFailed
from twofold.flows.attribution import FlowReport, check_options, flow_report
from twofold.flows.definition import parse_flow
from twofold.store.models import Flow, FlowRun, FlowStepVisit, OutboxMessage, Person

__all__ = ["shop"]
DAY = timedelta(days=1)
DEFINITION: dict[str, Any] = {
    "trigger": {"type": "event", "event": "Signed Up"},
    "start": "split",
    "steps": [
        {
            "id": "split",
            "type": "ab_split",
            "holdout": 20,
            "variants": [{"name": "A", "next": "mail_a"}, {"name": "B", "next": "mail_b"}],
        },
        {"id": "mail_a", "type": "send_email", "template_id": 1},
        {"id": "mail_b", "type": "send_email", "template_id": 1},
    ],
}


class Scenario:
    """Seven people through one split at T0, their messages and orders."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.orders = 0
        with shop.database.transaction() as session:
            definition = {**DEFINITION}
            definition["steps"] = [
                {**step, "template_id": shop.template} if "template_id" in step else step
                for step in DEFINITION["steps"]
            ]
            flow = Flow(name="Welcome", status="active", definition=definition)
            session.add(flow)
            people = [Person(first_name=f"P{n}", traits={}) for n in range(1, 8)]
            session.add_all(people)
            session.flush()
            self.flow_id = flow.id
            self.p = {n: person.id for n, person in enumerate(people, start=1)}
        self.messages: dict[str, int] = {}

    def split(self, person: int, group: str) -> None:
        with self.shop.database.transaction() as session:
            run = FlowRun(
                flow_id=self.flow_id,
                person_id=self.p[person],
                entry_key=f"p{person}",
                status="completed",
                step_id=None,
                variant=group,
                entered_at=T0,
            )
            session.add(run)
            session.flush()
            outcome = "holdout" if group == "holdout" else f"variant {group}"
            session.add(
                FlowStepVisit(
                    run_id=run.id,
                    flow_id=self.flow_id,
                    step_id="split",
                    visit=1,
                    outcome=outcome,
                    executed_at=T0,
                )
            )

    def message(
        self, name: str, person: int, at: datetime, variables: dict[str, Any], status: str = "sent"
    ) -> None:
        with self.shop.database.transaction() as session:
            row = OutboxMessage(
                idempotency_key=name,
                person_id=self.p[person],
                channel="email",
                purpose="marketing",
                template_id=self.shop.template,
                variables=variables,
                status=status,
                sent_at=at if status == "sent" else None,
            )
            session.add(row)
            session.flush()
            self.messages[name] = row.id

    def from_flow(self, name: str, person: int, step: str, variant: str) -> None:
        variables = {"flow_id": self.flow_id, "flow": "Welcome", "step": step, "variant": variant}
        self.message(name, person, T0, variables)

    def order(self, person: int, at: datetime, net: str, currency: str = "USD") -> None:
        self.orders += 1
        with self.shop.store.writer() as writer:
            writer.execute(
                "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, "
                "refunded, net, currency, placed_at, updated_at) "
                "VALUES (1, ?, ?, 'completed', ?, ?, 0, ?, ?, ?, ?)",
                [
                    f"o{self.orders}",
                    self.p[person],
                    net,
                    net,
                    net,
                    currency,
                    at.replace(tzinfo=None),
                    at.replace(tzinfo=None),
                ],
            )

    def report(self, **options: Any) -> FlowReport:
        with self.shop.database.transaction(write=False) as session:
            flow = session.get_one(Flow, self.flow_id)
            return flow_report(
                session,
                self.shop.store,
                flow=flow,
                definition=parse_flow(flow.definition),
                base_currency="USD",
                now=T0 + 30 * DAY,
                **options,
            )


@pytest.fixture
def scenario(shop: Shop) -> Scenario:
    world = Scenario(shop)
    for person, group in [(1, "A"), (2, "A"), (7, "A"), (3, "B"), (4, "B")]:
        world.split(person, group)
    world.split(5, "holdout")
    world.split(6, "holdout")
    world.from_flow("a1", 1, "mail_a", "A")
    world.from_flow("a2", 2, "mail_a", "A")
    world.from_flow("b3", 3, "mail_b", "B")
    world.from_flow("b4", 4, "mail_b", "B")
    world.message("a7", 7, T0, {"flow_id": world.flow_id, "step": "mail_a"}, status="failed")
    world.message("campaign3", 3, T0 + DAY, {})  # another message: P3's later last touch
    world.order(1, T0 + DAY, "100")  # a1, 1 day after: attributed
    world.order(1, T0 + 2 * DAY, "70", currency="EUR")  # no EUR rate: left out, counted
    world.order(2, T0 + 6 * DAY, "50")  # a2, 6 days after: outside the 5-day window
    world.order(3, T0 + 2 * DAY, "80")  # last touch is the campaign, not b3
    world.order(4, T0 + 3 * DAY, "30")  # b4
    world.order(4, T0 + 4 * DAY, "20")  # b4 again: one conversion, 50 revenue
    world.order(5, T0 + DAY, "40")  # hold-out: bought without a message
    world.order(7, T0 + DAY, "10")  # P7's message failed: no touch
    return world


def row(report: FlowReport, step: str, variant: str | None) -> tuple[Any, ...]:
    found = next(r for r in report.steps if r.step_id == step and r.variant == variant)
    m = found.metrics
    return (m.recipients, m.conversions, m.revenue, m.conversion_rate, m.revenue_per_recipient)


def test_last_touch_within_the_window_per_flow_step_and_variant(scenario: Scenario) -> None:
    report = scenario.report(window_days=5)
    # Recipients P1-P4 (P7's message failed); conversions P1 (100) and P4 (30 + 20).
    flow = report.flow
    assert (flow.recipients, flow.conversions, flow.revenue) == (4, 2, Decimal(150))
    assert (flow.conversion_rate, flow.revenue_per_recipient) == (50.0, Decimal("37.50"))
    assert row(report, "mail_a", None) == (2, 1, Decimal(100), 50.0, Decimal("50.00"))
    assert row(report, "mail_a", "A") == (2, 1, Decimal(100), 50.0, Decimal("50.00"))
    assert row(report, "mail_b", "B") == (2, 1, Decimal(50), 50.0, Decimal("25.00"))
    assert report.orders_without_rate == 1
    # A 7-day window also takes P2's order, 6 days after a2.
    wider = scenario.report(window_days=7).flow
    assert (wider.conversions, wider.revenue) == (3, Decimal(200))


def test_splits_compare_variants_and_the_holdout_by_intention_to_treat(
    scenario: Scenario,
) -> None:
    (split,) = scenario.report(window_days=5).splits
    groups = {name: (m.recipients, m.conversions, m.revenue) for name, m in split.groups.items()}
    # A: P1 (100), P2 (6 days: no), P7 (10); B: P3 (80), P4 (50); hold-out: P5 (40), P6.
    assert groups == {
        "A": (3, 2, Decimal(110)),
        "B": (2, 2, Decimal(130)),
        "holdout": (2, 1, Decimal(40)),
    }
    tests = {(t.a, t.b): t for t in split.tests}
    # B vs A: pooled p = 4/5; se = sqrt(.8 x .2 x (1/3 + 1/2)) = .365148; z = (1 - 2/3) / se.
    assert tests["A", "B"].z == pytest.approx(0.9128709)
    assert tests["A", "B"].p_value == pytest.approx(0.3613104)
    assert tests["A", "B"].difference == pytest.approx(1 / 3)
    # A vs hold-out: pooled 3/5, se = sqrt(.24 x 5/6) = .447214, z = (2/3 - 1/2) / se.
    assert tests["holdout", "A"].z == pytest.approx(0.372678)
    assert tests["holdout", "A"].p_value == pytest.approx(0.7093881)
    # B vs hold-out: pooled 3/4, se = sqrt(.1875 x 1) = .433013, z = .5 / se.
    assert tests["holdout", "B"].z == pytest.approx(1.1547005)
    assert tests["holdout", "B"].p_value == pytest.approx(0.2482131)


def test_clicks_as_the_touch(scenario: Scenario) -> None:
    p2 = scenario.p[2]
    clicked_at = T0 + 5 * DAY + timedelta(hours=12)
    scenario.shop.events(clicked_at, (p2, "Email Clicked", {"message_id": scenario.messages["a2"]}))
    report = scenario.report(window_days=5, touch="clicked")
    # Only a2 was clicked: P2's order half a day later is the one conversion.
    assert (report.flow.recipients, report.flow.conversions, report.flow.revenue) == (
        4,
        1,
        Decimal(50),
    )
    assert scenario.report(window_days=5, touch="opened").flow.conversions == 0


@pytest.mark.parametrize(
    ("window", "touch", "field"),
    [(0, "sent", "window_days"), (91, "sent", "window_days"), (5, "seen", "touch")],
)
def test_bad_options_are_refused(window: float, touch: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_options(window, touch)
    assert refused.value.details[0].field == field


def test_report_api(api: ApiClient) -> None:
    created = api.post(
        "/flows",
        json={
            "name": "Tags",
            "definition": {
                "trigger": {"type": "event", "event": "X"},
                "start": "t",
                "steps": [{"id": "t", "type": "update_trait", "trait": "x", "value": 1}],
            },
        },
    )
    assert created.status_code == 201, created.text
    flow_id = created.json()["id"]
    answer = api.get(f"/flows/{flow_id}/report", params={"window_days": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["flow"] == {
        "recipients": 0,
        "conversions": 0,
        "conversion_rate": None,
        "revenue": "0.00",
        "revenue_per_recipient": None,
    }
    assert (body["window_days"], body["touch"], body["steps"], body["splits"]) == (
        3,
        "sent",
        [],
        [],
    )
    for params, field in [({"window_days": 0}, "window_days"), ({"touch": "x"}, "touch")]:
        refused = api.get(f"/flows/{flow_id}/report", params=params)
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"] == field
    assert api.get("/flows/999999/report").status_code == 404
