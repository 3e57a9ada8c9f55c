"""The segments a new installation starts with (issue 5, part 8).

Created by ``twofold init`` only while no segment exists at all, so a user who deletes one
does not get it back at the next start (docs/decisions/0013-segment-evaluation.md).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.segments.actions import SegmentCreate, create_segment
from twofold.store.models import Segment

STARTERS: Final[tuple[tuple[str, str, str, str, dict[str, Any]], ...]] = (
    (
        "abandoned_cart",
        "Abandoned cart (last 24 h)",
        "Added a product to the cart or started checkout in the last 24 hours, no order since.",
        "persons",
        {"all": [
            {"any": [{"event": "Product Added", "within_days": 1},
                     {"event": "Checkout Started", "within_days": 1}]},
            {"not": {"order": {"within_days": 1}}},
        ]},
    ),
    (
        "win_back",
        "Win-back (no order in 180 days)",
        "Customers who ordered before but not in the last 180 days.",
        "persons",
        {"all": [{"order": {}}, {"not": {"order": {"within_days": 180}}}]},
    ),
    (
        "new_customers",
        "New customers (first order in 30 days)",
        "Placed their first order in the last 30 days.",
        "persons",
        {"order": {"first_seen_days_ago": {"lte": 30}}},
    ),
    (
        "high_churn_risk",
        "High churn risk",
        "Customers the purchase model gives a churn risk of 70 % or more (refitted daily).",
        "persons",
        {"prediction": "churn_risk", "op": "gte", "value": 0.7},
    ),
    (
        "rfm_champions",
        "Champions (RFM)",
        "Bought recently, buy often and spend the most (RFM group, decision 0014).",
        "persons",
        {"prediction": "rfm_group", "op": "eq", "value": "Champions"},
    ),
    (
        "rfm_at_risk",
        "At Risk (RFM)",
        "Bought often or spent well, but not for a long time (RFM group, decision 0014).",
        "persons",
        {"prediction": "rfm_group", "op": "eq", "value": "At Risk"},
    ),
    (
        "engaged_accounts",
        "Engaged accounts",
        "Accounts where at least 3 people viewed a page in the last 30 days.",
        "accounts",
        {"people": {"event": "Page Viewed", "within_days": 30}, "count": {"gte": 3}},
    ),
)  # fmt: skip


def ensure_starter_segments(session: Session) -> list[Segment]:
    """Create the starter segments on a fresh installation; answer what was created."""
    if session.scalar(select(func.count()).select_from(Segment)):
        return []
    created = []
    for key, name, description, target, rule in STARTERS:
        data = SegmentCreate(name=name, description=description, target=target, rule=rule)
        created.append(create_segment(session, actor=None, data=data, starter_key=key))
    return created
