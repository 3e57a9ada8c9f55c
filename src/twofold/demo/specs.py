"""The tables the demo generator fills in bulk, and the order of the values in their rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from twofold.store.models import Base

Row = tuple[Any, ...]


@dataclass(frozen=True)
class TableSpec:
    """A table and the order of the values in each of its rows."""

    table: Table
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        """The table's name."""
        return self.table.name


def _spec(table: str, columns: str) -> TableSpec:
    return TableSpec(Base.metadata.tables[table], tuple(columns.split()))


ACCOUNTS = _spec(
    "accounts",
    """
    id name domains industry employees annual_revenue annual_revenue_currency country region
    tier lifecycle owner_id parent_id custom search_text created_at updated_at version
""",
)
PERSONS = _spec(
    "persons",
    """
    id first_name last_name emails phones primary_email title owner_id lifecycle_stage traits
    custom search_text created_at updated_at version
""",
)
MEMBERSHIPS = _spec(
    "memberships",
    """
    id person_id account_id title department reports_to_id buying_roles started_on ended_on
    created_at updated_at version
""",
)
DEALS = _spec(
    "deals",
    """
    id name account_id person_id pipeline_id stage_id amount currency expected_close_date
    probability probability_overridden forecast_category forecast_category_overridden owner_id
    source next_step lost_reason competitors custom stage_entered_at closed_at search_text
    created_at updated_at version
""",
)
STAGE_HISTORY = _spec(
    "deal_stage_history",
    """
    id deal_id stage_id entered_at left_at entered_by_id left_by_id
""",
)
STAKEHOLDERS = _spec("deal_stakeholders", "id deal_id person_id buying_role sentiment is_primary")
PARTNERS = _spec("deal_partners", "id deal_id account_id role")
ACTIVITIES = _spec(
    "activities",
    """
    id kind subject body occurred_at due_at done_at outcome objections competitor_mentions
    owner_id created_at updated_at version
""",
)
ACTIVITY_ACCOUNTS = _spec("activity_accounts", "activity_id account_id")
ACTIVITY_PERSONS = _spec("activity_persons", "activity_id person_id")
ACTIVITY_DEALS = _spec("activity_deals", "activity_id deal_id")
TIMELINE = _spec(
    "timeline_entries",
    """
    id record_type record_id at actor_id kind summary changes activity_id
""",
)
# Parents before children: the order in which buffered chunks are written.
ALL_SPECS = (
    ACCOUNTS, PERSONS, MEMBERSHIPS, DEALS, STAGE_HISTORY, STAKEHOLDERS, PARTNERS, ACTIVITIES,
    ACTIVITY_ACCOUNTS, ACTIVITY_PERSONS, ACTIVITY_DEALS, TIMELINE,
)  # fmt: skip
