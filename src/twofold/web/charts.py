"""Data for the ECharts charts, as plain JSON-able dicts (the templates embed it as JSON)."""

from __future__ import annotations

from typing import Any

from twofold.accounts.org_chart import OrgNode
from twofold.analytics.funnel import PipelineFunnel
from twofold.analytics.revenue import Revenue
from twofold.core.enums import ForecastCategory
from twofold.forecasting.forecast import Forecast, ForecastTotals, TeamNode
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
    """Stacked categories with the quota of each bar, for an ECharts bar chart.

    The bars are the teams one level down: under a single top person, their own deals and
    each of their reports' teams; with several people at the top, each of their teams. That
    keeps a 500-rep company to a readable handful of bars. Amounts stay decimal strings (the
    script turns them into numbers for drawing only).
    """
    bars = [(name, totals) for name, totals in _chart_bars(forecast) if not totals.is_empty]
    return {
        "currency": forecast.currency,
        "names": [name for name, _totals in bars],
        "series": [
            {
                "key": category.value,
                "name": category.value.replace("_", " ").capitalize(),
                "values": [str(totals.categories[category]) for _name, totals in bars],
            }
            for category in CHARTED_CATEGORIES
        ],
        "quota": [None if totals.quota is None else str(totals.quota) for _name, totals in bars],
    }


def _chart_bars(forecast: Forecast) -> list[tuple[str, ForecastTotals]]:
    if len(forecast.rollup) != 1:
        return [(_team_label(node), node.totals) for node in forecast.rollup]
    [top] = forecast.rollup
    own = next((row.totals for row in forecast.reps if row.user_id == top.user_id), None)
    if not top.children or own is None:
        return [(top.name, top.totals)]
    return [(f"{top.name} (own deals)", own)] + [
        (_team_label(child), child.totals) for child in top.children
    ]


def _team_label(node: TeamNode) -> str:
    return f"{node.name} (team)" if node.children else node.name


def funnel_chart(funnel: PipelineFunnel) -> dict[str, Any]:
    """An ECharts funnel of one pipeline: deals that reached each stage, lost ones per stage."""
    return {
        "name": funnel.name,
        "stages": [
            {"name": stage.name, "reached": stage.reached, "lost": stage.lost_here}
            for stage in funnel.stages
        ],
    }


def revenue_chart(revenue: Revenue, currency: str) -> dict[str, Any]:
    """Expected and actual revenue per month as decimal strings, for a grouped bar chart."""
    return {
        "currency": currency,
        "months": [row.month.strftime("%b %Y") for row in revenue.months],
        "expected": [str(row.expected.amount) for row in revenue.months],
        "actual": [str(row.actual.amount) for row in revenue.months],
    }
