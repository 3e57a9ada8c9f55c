"""The economics page: customer economics by month, channel and region, acquisition cohorts, and the
predictions (CLV and churn-risk distributions, the RFM grid, the model's fit against a
holdout, its parameters). Read-only; a refit is ``POST /api/v1/predictions/refresh`` or
``twofold predict fit``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from twofold.api.dependencies import AppSettings
from twofold.core.time import utcnow
from twofold.economics.cohorts import cohort_matrix
from twofold.economics.report import DEFAULT_CHURN_DAYS, economics_report, parse_options
from twofold.orders.base_currency import exchange_rates, stage_purchases
from twofold.predictions import queries
from twofold.recommendations.fit import latest_fit as latest_recommendation_fit
from twofold.web.dependencies import DbSession, WebUser
from twofold.web.economics_charts import (
    cohort_heatmap,
    distribution_bars,
    holdout_bars,
    rfm_heatmap,
)
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()


@router.get("/economics", include_in_schema=False)
def economics_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    settings: AppSettings,
    start: Annotated[str, Query(max_length=20)] = "",
    end: Annotated[str, Query(max_length=20)] = "",
    churn_days: Annotated[int, Query(ge=1, le=3650)] = DEFAULT_CHURN_DAYS,
) -> Response:
    """Economics of the chosen months (default: the last twelve)."""
    ingestion = ingestion_of(request)
    currency = settings.base_currency
    months = parse_options(start=start or None, end=end or None, churn_days=churn_days)
    by_channel = parse_options(
        start=start or None, end=end or None, group_by="channel", churn_days=churn_days
    )
    monthly = economics_report(
        ingestion.store, ingestion.database, base_currency=currency,
        options=parse_options(start=start or None, end=end or None, group_by="month",
                              churn_days=churn_days),
    )  # fmt: skip
    channels = economics_report(
        ingestion.store, ingestion.database, base_currency=currency, options=by_channel
    )
    regions = economics_report(
        ingestion.store, ingestion.database, base_currency=currency,
        options=replace(by_channel, group_by="region"),
    )  # fmt: skip
    today = utcnow().date()
    rates = exchange_rates(session, base_currency=currency)
    with ingestion.store.reader() as reader:
        stage_purchases(reader, base_currency=currency, rates=rates,
                        until=datetime.combine(today, time.max))  # fmt: skip
        cohorts = cohort_matrix(reader, start=months.start, end=months.end, channel=None,
                                today=today)  # fmt: skip
        predictions = _predictions(reader)
    return render(
        request,
        "economics/page.html",
        {
            "currency": currency,
            "monthly": monthly,
            "channels": channels,
            "regions": regions,
            "cohorts": cohorts,
            "cohort_chart": cohort_heatmap(cohorts),
            "start_value": monthly["start"],
            "end_value": monthly["end"],
            "churn_days": churn_days,
            "refit_error": ingestion.predictions_error,
            "recommendation_fit": latest_recommendation_fit(ingestion.store),
            **predictions,
        },
    )


def _clv_missing(fit: dict[str, Any] | None) -> str | None:
    """Why the last fit has no CLV (its note), so the page does not guess."""
    notes: list[str] = fit["notes"] if fit else []
    prefix = "no CLV: "
    return next((note.removeprefix(prefix) for note in notes if note.startswith(prefix)), None)


def _predictions(reader: Any) -> dict[str, Any]:
    fit = queries.latest_fit(reader)
    churn = queries.churn_risk_distribution(reader)
    clv = queries.clv_distribution(reader)
    grid = queries.rfm_grid(reader)
    holdout = fit["holdout"] if fit else {}
    return {
        "fit": fit,
        "churn": churn,
        "churn_chart": distribution_bars(
            "Persons", [f"{b['from']}-{b['to']} %" for b in churn], [b["persons"] for b in churn]
        ),
        "clv": clv,
        "clv_missing": _clv_missing(fit),
        "clv_chart": distribution_bars(
            "Persons",
            [f"{b['from']}-{b['to']}" for b in clv["bands"]],
            [b["persons"] for b in clv["bands"]],
        ),
        "rfm": grid,
        "rfm_chart": rfm_heatmap(grid),
        "holdout": holdout,
        "holdout_chart": holdout_bars(holdout) if holdout.get("groups") else None,
    }
