"""Demo flows on the records the demo company already has (decision 0018): a renewal
reminder 30 days before contracts end and a welcome when a deal is won, both putting people on
a static list and creating a task for their owner. Added once; active from the day the demo
is built (the triggers start at "now", as an activation does). Besides them, email templates
and two drafts made from the starters (abandoned cart, post-purchase cross-sell) to open in
the flow editor, preview for a customer and activate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from sqlalchemy import func, select

from twofold.auth.users import get_user_by_email
from twofold.core.time import utcnow
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.starters import get_starter
from twofold.lists.actions import ListCreate, create_list
from twofold.messaging.channels import Channel
from twofold.messaging.templates import TemplateSources, create_template
from twofold.store.database import Database
from twofold.store.models import DealStageVisit, MessageTemplate, StaticList

LIST_NAME: Final = "Renewal conversations"
CART_EMAIL: Final = "Cart reminder"
LAST_CALL: Final = "Cart last call"
CROSS_SELL: Final = "You might also like"
DEMO_EMAILS: Final = (
    (
        CART_EMAIL,
        "{{ person.first_name }}, you left something behind",
        "Your cart is still waiting for you.",
    ),
    (LAST_CALL, "Last call, {{ person.first_name }}", "We are keeping your cart for one more day."),
    (
        CROSS_SELL,
        "Picked for you, {{ person.first_name }}",
        "Thank you for your order. Customers who bought the same also liked:",
    ),
)
# A demo email: the person's name, the intro (put in for INTRO), recommendations with a
# fallback, and the unsubscribe link.
INTRO: Final = "[intro]"
DEMO_EMAIL_HTML: Final = (
    "<p>Hi {{ person.first_name or 'there' }},</p><p>[intro]</p>"
    '{% for product in recommendations %}<p><a href="{{ product.url }}">{{ product.name }}</a>'
    " {{ product.price }} {{ product.currency }}</p>"
    "{% else %}<p>Have a look at our bestsellers.</p>{% endfor %}"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def add_demo_flows(database: Database, *, admin_email: str) -> None:
    """The demo's list and flows, and the marketing drafts, unless they exist."""
    _add_record_flows(database, admin_email=admin_email)
    _add_marketing_drafts(database, admin_email=admin_email)


def _add_marketing_drafts(database: Database, *, admin_email: str) -> None:
    with database.transaction() as session:
        if session.scalar(select(MessageTemplate.id).where(MessageTemplate.name == CART_EMAIL)):
            return
        admin = get_user_by_email(session, admin_email)
        made = {
            name: create_template(
                session,
                actor=admin,
                name=name,
                channel=Channel.EMAIL,
                sources=TemplateSources(
                    subject=subject, html=DEMO_EMAIL_HTML.replace(INTRO, intro)
                ),
            ).id
            for name, subject, intro in DEMO_EMAILS
        }
        drafts = (
            ("abandoned_cart", {"reminder": made[CART_EMAIL], "last_call": made[LAST_CALL]}),
            ("post_purchase_cross_sell", {"cross_sell": made[CROSS_SELL]}),
        )
        for key, chosen in drafts:
            starter = get_starter(key)
            data = FlowCreate(
                name=starter.name, description=starter.description, definition=starter.build(chosen)
            )
            create_flow(session, actor=admin, data=data)


def _add_record_flows(database: Database, *, admin_email: str) -> None:
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
