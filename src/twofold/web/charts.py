"""Data for the ECharts charts, as plain JSON-able dicts (the templates embed it as JSON)."""

from __future__ import annotations

from typing import Any

from twofold.accounts.org_chart import OrgNode
from twofold.persons.actions import display_name


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
