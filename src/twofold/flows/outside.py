"""The flow steps that reach beyond the person: a signed webhook and static lists.

A webhook step only writes a delivery row (``webhook_deliveries``, unique per subscription
and key) in the step's transaction; the messaging webhook thread posts it, signed, with its
retries, backoff and log (decision 0017) — a slow or failing receiver never holds up a run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.errors import TwofoldError
from twofold.flows.definition import Step
from twofold.lists.actions import add_people, get_list, remove_people
from twofold.store.models import Flow, FlowRun, Person, WebhookDelivery, WebhookSubscription

FLOW_WEBHOOK_EVENT: Final = "flow.webhook"
LIST_STEPS: Final = frozenset({"add_to_list", "remove_from_list"})


def queue_webhook(
    session: Session,
    *,
    flow: Flow,
    step: Step,
    run: FlowRun,
    person: Person,
    key: str,
    now: datetime,
) -> str:
    """Write the step's delivery (once per key); the webhook thread posts it."""
    subscription = session.get(WebhookSubscription, step.settings["webhook_id"])
    if subscription is None:
        raise TwofoldError(f"webhook {step.settings['webhook_id']} no longer exists")
    existing = session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.event_key == key
        )
    )
    if existing is not None:
        return f"webhook delivery {existing} already queued"
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        event_type=FLOW_WEBHOOK_EVENT,
        event_key=key,
        payload=webhook_payload(flow=flow, step=step, run=run, person=person, key=key, now=now),
        next_attempt_at=now,
    )
    session.add(delivery)
    session.flush()
    return f"queued webhook delivery {delivery.id}"


def webhook_payload(
    *, flow: Flow, step: Step, run: FlowRun, person: Person, key: str, now: datetime
) -> dict[str, Any]:
    """The document posted: who, from which flow and step, and the step's own data."""
    return {
        "id": key,
        "type": FLOW_WEBHOOK_EVENT,
        "occurred_at": now.isoformat().replace("+00:00", "Z"),
        "data": {
            "flow_id": flow.id,
            "flow": flow.name,
            "step": step.id,
            "run_id": run.id,
            "variant": run.variant,
            "person": {
                "id": person.id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.primary_email,
            },
            "step_data": step.settings["data"],
        },
    }


def change_list(session: Session, *, flow: Flow, step: Step, person: Person) -> str:
    """Add the person to, or take them off, the step's static list."""
    found = get_list(session, step.settings["list_id"])
    if step.type == "add_to_list":
        added = add_people(
            session, actor=None, found=found, person_ids=[person.id], source=f"flow {flow.id}"
        )
        return f"added to list {found.id}" if added else f"already on list {found.id}"
    removed = remove_people(session, actor=None, found=found, person_ids=[person.id])
    return f"removed from list {found.id}" if removed else f"not on list {found.id}"
