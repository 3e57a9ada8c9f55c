"""Demo flows on the records the demo company already has (decision 0018): a renewal
reminder 30 days before contracts end and a welcome when a deal is won, both putting people on
a static list and creating a task for their owner. Added once; active from the day the demo
is built (the triggers start at "now", as an activation does)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from sqlalchemy import func, select

from twofold.auth.users import get_user_by_email
from twofold.core.time import utcnow
from twofold.flows.actions import FlowCreate, create_flow
from twofold.lists.actions import ListCreate, create_list
from twofold.store.database import Database
from twofold.store.models import DealStageVisit, StaticList

LIST_NAME: Final = "Renewal conversations"


def add_demo_flows(database: Database, *, admin_email: str) -> None:
    """The demo's list and flows, unless they exist."""
    with database.transaction() as session:
        if session.scalar(select(StaticList.id).where(StaticList.name == LIST_NAME)):
            return
        admin = get_user_by_email(session, admin_email)
        renewals = create_list(session, actor=admin, data=ListCreate(name=LIST_NAME))
        won = create_list(session, actor=admin, data=ListCreate(name="New customers"))
        flows: list[tuple[str, dict[str, Any], int, str]] = [
            (
                "Renewal reminder",
                {"type": "date", "contract": "end_date", "offset_days": -30},
                renewals.id,
                "Renewal in 30 days: agree the next term",
            ),
            (
                "Welcome new customers",
                {"type": "deal_stage", "stage_kind": "won"},
                won.id,
                "Send the onboarding pack",
            ),
        ]
        newest_stage_change = int(session.scalar(select(func.max(DealStageVisit.id))) or 0)
        for name, trigger, list_id, task in flows:
            flow = create_flow(
                session,
                actor=admin,
                data=FlowCreate(name=name, definition=_definition(trigger, list_id, task)),
            )
            # Record-database triggers only: start them at now, as activation does.
            flow.status = "active"
            flow.stage_watermark = newest_stage_change
            flow.dates_checked_through = utcnow().date() - timedelta(days=1)


def _definition(trigger: dict[str, Any], list_id: int, task: str) -> dict[str, Any]:
    return {
        "trigger": trigger,
        "start": "list",
        "steps": [
            {"id": "list", "type": "add_to_list", "list_id": list_id, "next": "task"},
            {"id": "task", "type": "create_task", "subject": task, "due_days": 2},
        ],
        "reentry": {"mode": "after_days", "days": 300},
    }
