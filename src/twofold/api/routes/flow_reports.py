"""GET /api/v1/flows/{id}/report: orders attributed to the flow, its steps and A/B variants
(decision 0022)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from twofold.api.dependencies import AppSettings, DbSession, EventIngestion
from twofold.core.time import utcnow
from twofold.flows.actions import get_flow
from twofold.flows.attribution import (
    CENT,
    DEFAULT_WINDOW_DAYS,
    FlowReport,
    Metrics,
    check_options,
    flow_report,
)
from twofold.flows.definition import parse_flow

router = APIRouter(prefix="/flows", tags=["flows"])
TEST_NAME = "two-proportion z-test (pooled, two-sided)"


class MetricsOut(BaseModel):
    recipients: int
    conversions: int
    conversion_rate: float | None  # percent
    revenue: str
    revenue_per_recipient: str | None


class StepReportOut(MetricsOut):
    step_id: str
    variant: str | None


class SplitGroupOut(MetricsOut):
    name: str


class SplitTestOut(BaseModel):
    a: str
    b: str
    difference: float | None  # b's rate minus a's, as a fraction
    z: float | None
    p_value: float | None


class SplitReportOut(BaseModel):
    step_id: str
    groups: list[SplitGroupOut]
    test: str
    tests: list[SplitTestOut]


class FlowReportOut(BaseModel):
    flow_id: int
    window_days: float
    touch: str
    currency: str
    flow: MetricsOut
    steps: list[StepReportOut]
    splits: list[SplitReportOut]
    orders_without_rate: int


def metrics_fields(metrics: Metrics) -> dict[str, object]:
    """The metric fields of every row of the report."""
    per_recipient = metrics.revenue_per_recipient
    return {
        "recipients": metrics.recipients,
        "conversions": metrics.conversions,
        "conversion_rate": metrics.conversion_rate,
        "revenue": str(metrics.revenue.quantize(CENT)),
        "revenue_per_recipient": None if per_recipient is None else str(per_recipient),
    }


def report_out(report: FlowReport) -> FlowReportOut:
    """The report as the API answers it."""
    return FlowReportOut(
        flow_id=report.flow_id,
        window_days=report.window_days,
        touch=report.touch,
        currency=report.currency,
        flow=MetricsOut.model_validate(metrics_fields(report.flow)),
        steps=[
            StepReportOut.model_validate(
                {"step_id": row.step_id, "variant": row.variant, **metrics_fields(row.metrics)}
            )
            for row in report.steps
        ],
        splits=[
            SplitReportOut(
                step_id=split.step_id,
                groups=[
                    SplitGroupOut.model_validate({"name": name, **metrics_fields(metrics)})
                    for name, metrics in split.groups.items()
                ],
                test=TEST_NAME,
                tests=[
                    SplitTestOut.model_validate(test, from_attributes=True) for test in split.tests
                ],
            )
            for split in report.splits
        ],
        orders_without_rate=report.orders_without_rate,
    )


@router.get("/{flow_id}/report")
def report(
    flow_id: int,
    session: DbSession,
    ingestion: EventIngestion,
    settings: AppSettings,
    window_days: Annotated[float, Query()] = DEFAULT_WINDOW_DAYS,
    touch: Annotated[str, Query()] = "sent",
) -> FlowReportOut:
    """Recipients, conversions, conversion rate, revenue and revenue per recipient for the
    flow, each message step and variant; A/B splits with their z-tests (422 for a window
    outside (0, 90] days or an unknown touch)."""
    check_options(window_days, touch)
    flow = get_flow(session, flow_id)
    found = flow_report(
        session,
        ingestion.store,
        flow=flow,
        definition=parse_flow(flow.definition),
        window_days=window_days,
        touch=touch,
        base_currency=settings.base_currency,
        now=utcnow(),
    )
    return report_out(found)
