"""Attribution of orders to flow messages, steps and A/B variants (decision 0022).

Rule: **last touch within the window.** A touch is a message the person was sent (or, with
``touch="opened"`` / ``"clicked"``, the first open / click of an email). An order (a purchase:
not cancelled, net above zero, converted into the base currency — ``orders.base_currency``)
belongs to the person's latest touch at or before it, if the order came less than
``window_days`` after that touch. Every message the person was sent competes, whichever flow
or campaign sent it, so an order is attributed at most once. Recipients are the people a
step's messages were sent to; a conversion is a recipient with at least one attributed
order.

A/B splits are compared by intention to treat: every run through the split counts in the
group it was drawn into (the hold-out included, though it is sent nothing); the run converts
when the person buys within the window after the split. Variants are tested against the
first variant, and against the hold-out, with the two-proportion z-test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import duckdb
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.time import naive_utc
from twofold.events.store import EventStore
from twofold.flows.definition import FlowDefinition
from twofold.flows.significance import ProportionTest, two_proportion_z_test
from twofold.messaging.tracking import CLICKED, OPENED
from twofold.orders.base_currency import exchange_rates, stage_purchases
from twofold.store.models import Flow, FlowRun, FlowStepVisit, OutboxMessage

TOUCHES: Final = ("sent", "opened", "clicked")
DEFAULT_WINDOW_DAYS: Final = 5.0
MAX_WINDOW_DAYS: Final = 90.0
CHUNK: Final = 5000
HOLDOUT: Final = "holdout"
CENT: Final = Decimal("0.01")


@dataclass(frozen=True)
class Metrics:
    """Recipients (or runs), conversions and revenue in the base currency."""

    recipients: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal(0)

    @property
    def conversion_rate(self) -> float | None:
        """Conversions per recipient, as a percentage."""
        return 100 * self.conversions / self.recipients if self.recipients else None

    @property
    def revenue_per_recipient(self) -> Decimal | None:
        """Revenue divided by recipients, to the cent (half up)."""
        if not self.recipients:
            return None
        return (self.revenue / self.recipients).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StepResult:
    step_id: str
    variant: str | None  # None: all of the step's messages
    metrics: Metrics


@dataclass(frozen=True)
class SplitResult:
    step_id: str
    groups: dict[str, Metrics]
    tests: list[ProportionTest]


@dataclass(frozen=True)
class FlowReport:
    flow_id: int
    window_days: float
    touch: str
    currency: str
    flow: Metrics
    steps: list[StepResult] = field(default_factory=list)
    splits: list[SplitResult] = field(default_factory=list)
    orders_without_rate: int = 0


@dataclass(frozen=True)
class _Sent:
    message_id: int
    person_id: int
    sent_at: datetime
    step: str | None
    variant: str | None


def check_options(window_days: float, touch: str) -> None:
    """Refuse a window outside (0, 90] days or an unknown touch."""
    if not 0 < window_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed.on(
            "window_days", f"must be more than 0 and at most {MAX_WINDOW_DAYS:g}"
        )
    if touch not in TOUCHES:
        raise ValidationFailed.on("touch", f"must be one of {', '.join(TOUCHES)}")


def flow_report(
    session: Session,
    store: EventStore,
    *,
    flow: Flow,
    definition: FlowDefinition,
    window_days: float = DEFAULT_WINDOW_DAYS,
    touch: str = "sent",
    base_currency: str,
    now: datetime,
) -> FlowReport:
    """The flow's attribution report (see the module's docstring for the rules)."""
    check_options(window_days, touch)
    window = timedelta(days=window_days)
    sent = _flow_messages(session, flow.id)
    touches = _all_messages(session, {message.person_id for message in sent})
    units = _split_units(session, flow.id, definition)
    rates = exchange_rates(session, base_currency=base_currency)
    with store.reader() as cursor:
        staged = stage_purchases(
            cursor, base_currency=base_currency, rates=rates, until=naive_utc(now)
        )
        cursor.fetchall()  # stage_purchases leaves its last count open; register() needs it done
        if touch != "sent":
            touches = _engaged(cursor, touches, OPENED if touch == "opened" else CLICKED)
        attributed = _attributed_orders(cursor, touches, window)
        split_orders = _orders_after(cursor, units, window)
    ours = {message.message_id: message for message in sent}
    flow_metrics = _metrics(sent, attributed, ours, lambda _message: True)
    return FlowReport(
        flow_id=flow.id,
        window_days=window_days,
        touch=touch,
        currency=base_currency,
        flow=flow_metrics,
        steps=_step_results(sent, attributed, ours),
        splits=_split_results(units, split_orders),
        orders_without_rate=staged.without_rate,
    )


def _flow_messages(session: Session, flow_id: int) -> list[_Sent]:
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.person_id,
            OutboxMessage.sent_at,
            OutboxMessage.variables,
        )
        .where(
            OutboxMessage.status == "sent",
            OutboxMessage.variables["flow_id"].as_integer() == flow_id,
        )
        .order_by(OutboxMessage.id)
    ).all()
    return [
        _Sent(int(m), int(p), naive_utc(at), _text(v.get("step")), _text(v.get("variant")))
        for m, p, at, v in rows
        if at is not None
    ]


def _all_messages(session: Session, persons: Iterable[int]) -> list[tuple[int, int, datetime]]:
    """Every message sent to these people: ``(message, person, sent at)``."""
    found: list[tuple[int, int, datetime]] = []
    ordered = sorted(persons)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.sent_at).where(
                OutboxMessage.status == "sent",
                OutboxMessage.person_id.in_(ordered[start : start + CHUNK]),
            )
        ).all()
        found += [(int(m), int(p), naive_utc(at)) for m, p, at in rows if at is not None]
    return found


def _engaged(
    cursor: duckdb.DuckDBPyConnection, touches: Sequence[tuple[int, int, datetime]], event: str
) -> list[tuple[int, int, datetime]]:
    """The messages that were opened (clicked), at the first open (click)."""
    cursor.register("candidate_messages", _touch_arrays(touches))
    rows = cursor.execute(
        "SELECT c.message_id, c.person_id, min(e.timestamp) FROM candidate_messages c "
        "JOIN events e ON e.type = 'track' AND e.name = ? "
        "AND TRY_CAST(json_extract_string(e.properties, '$.message_id') AS BIGINT) = c.message_id "
        "GROUP BY c.message_id, c.person_id",
        [event],
    ).fetchall()
    cursor.unregister("candidate_messages")
    return [(int(m), int(p), at) for m, p, at in rows]


def _attributed_orders(
    cursor: duckdb.DuckDBPyConnection,
    touches: Sequence[tuple[int, int, datetime]],
    window: timedelta,
) -> list[tuple[int, int, Decimal]]:
    """``(message, person, amount)`` for each purchase whose last touch was that message."""
    if not touches:
        return []
    cursor.register("touches", _touch_arrays(touches))
    rows = cursor.execute(
        "SELECT t.message_id, p.person_id, p.amount FROM purchases p "
        "ASOF JOIN touches t ON p.person_id = t.person_id AND p.placed_at >= t.touch_at "
        "WHERE p.placed_at < t.touch_at + to_microseconds(CAST(? AS BIGINT))",
        [_microseconds(window)],
    ).fetchall()
    cursor.unregister("touches")
    return [(int(m), int(p), Decimal(amount)) for m, p, amount in rows]


def _orders_after(
    cursor: duckdb.DuckDBPyConnection,
    units: Sequence[tuple[str, str, int, datetime]],
    window: timedelta,
) -> dict[int, tuple[int, Decimal]]:
    """Per split unit (its index): purchases within the window after it, and their sum."""
    if not units:
        return {}
    cursor.register(
        "split_units",
        {
            "unit": np.arange(len(units), dtype=np.int64),
            "person_id": np.array([unit[2] for unit in units], dtype=np.int64),
            "at": np.array([unit[3] for unit in units], dtype="datetime64[us]"),
        },
    )
    rows = cursor.execute(
        "SELECT u.unit, count(*), sum(p.amount) FROM split_units u JOIN purchases p "
        "ON p.person_id = u.person_id AND p.placed_at >= u.at "
        "AND p.placed_at < u.at + to_microseconds(CAST(? AS BIGINT)) GROUP BY u.unit",
        [_microseconds(window)],
    ).fetchall()
    cursor.unregister("split_units")
    return {int(unit): (int(count), Decimal(total)) for unit, count, total in rows}


def _split_units(
    session: Session, flow_id: int, definition: FlowDefinition
) -> list[tuple[str, str, int, datetime]]:
    """Every run through an ab_split: ``(step, group, person, when)``."""
    splits = [step.id for step in definition.steps.values() if step.type == "ab_split"]
    if not splits:
        return []
    rows = session.execute(
        select(
            FlowStepVisit.step_id,
            FlowStepVisit.outcome,
            FlowRun.person_id,
            FlowStepVisit.executed_at,
        )
        .join(FlowRun, FlowRun.id == FlowStepVisit.run_id)
        .where(FlowStepVisit.flow_id == flow_id, FlowStepVisit.step_id.in_(splits))
        .order_by(FlowStepVisit.id)
    ).all()
    return [
        (str(step), str(outcome).removeprefix("variant "), int(person), naive_utc(at))
        for step, outcome, person, at in rows
    ]


def _metrics(
    sent: Sequence[_Sent],
    attributed: Sequence[tuple[int, int, Decimal]],
    ours: dict[int, _Sent],
    belongs: Any,
) -> Metrics:
    recipients = {message.person_id for message in sent if belongs(message)}
    converted: set[int] = set()
    revenue = Decimal(0)
    for message_id, person, amount in attributed:
        message = ours.get(message_id)
        if message is not None and belongs(message):
            converted.add(person)
            revenue += amount
    return Metrics(len(recipients), len(converted), revenue)


def _step_results(
    sent: Sequence[_Sent], attributed: Sequence[tuple[int, int, Decimal]], ours: dict[int, _Sent]
) -> list[StepResult]:
    keys = sorted({(m.step or "", m.variant) for m in sent}, key=lambda k: (k[0], k[1] or ""))
    results = []
    for step in sorted({step for step, _variant in keys}):
        results.append(
            StepResult(step, None, _metrics(sent, attributed, ours, lambda m, s=step: m.step == s))
        )
        for _step, variant in (key for key in keys if key[0] == step and key[1] is not None):
            results.append(
                StepResult(
                    step,
                    variant,
                    _metrics(
                        sent,
                        attributed,
                        ours,
                        lambda m, s=step, v=variant: m.step == s and m.variant == v,
                    ),
                )
            )
    return results


def _split_results(
    units: Sequence[tuple[str, str, int, datetime]], orders: dict[int, tuple[int, Decimal]]
) -> list[SplitResult]:
    tallies: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for index, (step, group, _person, _at) in enumerate(units):
        tally = tallies[step].setdefault(group, [0, 0, Decimal(0)])
        tally[0] += 1
        if index in orders:
            tally[1] += 1
            tally[2] += orders[index][1]
    results = []
    for step, groups in tallies.items():
        metrics = {name: Metrics(n, c, revenue) for name, (n, c, revenue) in groups.items()}
        results.append(SplitResult(step, metrics, _tests(metrics)))
    return results


def _tests(groups: dict[str, Metrics]) -> list[ProportionTest]:
    variants = [name for name in groups if name != HOLDOUT]
    pairs = [(variants[0], other) for other in variants[1:]] if variants else []
    if HOLDOUT in groups:
        pairs += [(HOLDOUT, name) for name in variants]
    return [
        two_proportion_z_test(
            a,
            b,
            conversions_a=groups[a].conversions,
            total_a=groups[a].recipients,
            conversions_b=groups[b].conversions,
            total_b=groups[b].recipients,
        )
        for a, b in pairs
    ]


def _touch_arrays(touches: Sequence[tuple[int, int, datetime]]) -> dict[str, Any]:
    return {
        "message_id": np.array([t[0] for t in touches], dtype=np.int64),
        "person_id": np.array([t[1] for t in touches], dtype=np.int64),
        "touch_at": np.array([t[2] for t in touches], dtype="datetime64[us]"),
    }


def _microseconds(window: timedelta) -> int:
    return int(window.total_seconds() * 1_000_000)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
