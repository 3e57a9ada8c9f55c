"""Data for the ECharts charts, as plain JSON-able dicts (the templates embed it as JSON)."""

from __future__ import annotations

from typing import Any

from twofold.accounts.org_chart import OrgNode
from twofold.core.enums import ForecastCategory
from twofold.forecasting.forecast import Forecast
from twofold.persons.actions import display_name

# Omitted deals are left out of the chart: they are not expected to close.
CHARTED_CATEGORIES = (
    ForecastCategory.CLOSED,
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
)


def org_chart_series(account_name: str, roots: list[OrgNode]) -> dict[str, Any]:
    """An ECharts ``tree`` series root: the account, with each reporting line below it."""
    return {
        "name": account_name,
        "title": "",
        "left": False,
        "url": "",
        "children": [_org_node(node) for node in roots],
    }


def _org_node(node: OrgNode) -> dict[str, Any]:
    return {
        "name": display_name(node.person),
        "title": node.membership.title or "",
        "left": node.has_left,
        "url": f"/people/{node.person.id}",
        "children": [_org_node(report) for report in node.reports],
    }


def forecast_chart(forecast: Forecast) -> dict[str, Any]:
    """Per-rep stacked categories with each rep's quota, for an ECharts bar chart.

    Amounts stay decimal strings (the script turns them into numbers for drawing only).
    """
    rows = [row for row in forecast.reps if not row.totals.is_empty]
    return {
        "currency": forecast.currency,
        "names": [row.name for row in rows],
        "series": [
            {
                "key": category.value,
                "name": category.value.replace("_", " ").capitalize(),
                "values": [str(row.totals.categories[category]) for row in rows],
            }
            for category in CHARTED_CATEGORIES
        ],
        "quota": [None if row.totals.quota is None else str(row.totals.quota) for row in rows],
    }
