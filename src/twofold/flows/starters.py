"""Starter flows for the six classic automations: welcome series, abandoned cart, browse
abandonment, post-purchase cross-sell, win-back and renewal reminder (issue 7, decision
0018). Each is a flow JSON with sensible steps and the records the marketer must choose
(``picks``: the email templates to send, the segment to react to); the new flow is a draft."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final, Literal

from twofold.core.errors import NotFound

PickKind = Literal["email_template", "segment"]
ORDERED_TODAY: Final = {"order": {"within_days": 1}}
BOUGHT_EXIT: Final = [{"event": "Order Completed"}]


@dataclass(frozen=True)
class Pick:
    """A record the starter needs: the form field, what it is, and where it goes."""

    field: str
    kind: PickKind
    label: str
    hint: str
    step: str | None = None  # the send step it fills; None: the trigger's segment

    @property
    def path(self) -> str:
        """The path the flow checker names when the record is missing or does not fit."""
        if self.step is None:
            return "flow.trigger.segment_id"
        return f"flow.steps.{self.step}.template_id"


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    picks: tuple[Pick, ...]
    document: dict[str, Any]

    def build(self, chosen: dict[str, int]) -> dict[str, Any]:
        """The flow JSON with the chosen template and segment ids in place."""
        document = copy.deepcopy(self.document)
        for pick in self.picks:
            if pick.step is None:
                document["trigger"]["segment_id"] = chosen[pick.field]
                continue
            for step in document["steps"]:
                if step["id"] == pick.step:
                    step["template_id"] = chosen[pick.field]
        return document


def _email(step_id: str, following: str | None) -> dict[str, Any]:
    return {"id": step_id, "type": "send_email", "purpose": "marketing", "next": following}


def _delay(step_id: str, following: str, *, hours: float = 0, days: float = 0) -> dict[str, Any]:
    amount = {"days": days} if days else {"hours": hours}
    return {"id": step_id, "type": "delay", **amount, "next": following}


def _bought(step_id: str, within_days: float, otherwise: str) -> dict[str, Any]:
    """Stop here for people who ordered in the last ``within_days``; the rest go on."""
    rule = {"order": {"within_days": within_days}}
    return {"id": step_id, "type": "condition", "rule": rule, "yes": None, "no": otherwise}


STARTERS: Final = (
    Starter(
        "welcome_series",
        "Welcome series",
        "Three emails over five days after someone signs up; the last, a first-order offer, "
        "only to those who have not bought yet.",
        (
            Pick(
                "welcome",
                "email_template",
                "First email: welcome",
                "Sent at once: who you are, what to expect.",
                "welcome",
            ),
            Pick(
                "tips",
                "email_template",
                "Second email: getting started",
                "Two days later: your best products or how-tos (a recommendations block fits).",
                "tips",
            ),
            Pick(
                "offer",
                "email_template",
                "Third email: first-order offer",
                "Five days in, only to people who have not ordered.",
                "offer",
            ),
        ),
        {
            "trigger": {"type": "event", "event": "Signed Up"},
            "start": "welcome",
            "steps": [
                _email("welcome", "two_days"),
                _delay("two_days", "tips", days=2),
                _email("tips", "three_days"),
                _delay("three_days", "ordered?", days=3),
                _bought("ordered?", 5, "offer"),
                _email("offer", None),
            ],
            "reentry": {"mode": "never"},
        },
    ),
    Starter(
        "abandoned_cart",
        "Abandoned cart",
        "An hour after a checkout is started without an order, a reminder; a day later, if "
        "still nothing was bought, a last call. An order ends the flow.",
        (
            Pick(
                "reminder",
                "email_template",
                "Reminder email",
                "Sent after an hour: the cart's items ({{ person.first_name }}, data.*) "
                "and a recommendations block.",
                "reminder",
            ),
            Pick(
                "last_call",
                "email_template",
                "Last-call email",
                "A day later, if there is still no order (may be the same template).",
                "last_call",
            ),
        ),
        {
            "trigger": {"type": "event", "event": "Checkout Started"},
            "start": "wait",
            "steps": [
                _delay("wait", "ordered?", hours=1),
                _bought("ordered?", 1, "reminder"),
                _email("reminder", "a_day"),
                _delay("a_day", "still?", hours=24),
                _bought("still?", 2, "last_call"),
                _email("last_call", None),
            ],
            "exit": BOUGHT_EXIT,
            "reentry": {"mode": "after_days", "days": 7},
        },
    ),
    Starter(
        "browse_abandonment",
        "Browse abandonment",
        "Four hours after someone views a product without starting a checkout or ordering, "
        "an email with products like it. At most once a week per person.",
        (
            Pick(
                "browse",
                "email_template",
                "Browse email",
                "Products like the one they looked at: a recommendations block.",
                "browse",
            ),
        ),
        {
            "trigger": {"type": "event", "event": "Product Viewed"},
            "start": "wait",
            "steps": [
                _delay("wait", "moved_on?", hours=4),
                {
                    "id": "moved_on?",
                    "type": "condition",
                    "rule": {
                        "any": [{"event": "Checkout Started", "within_days": 1}, ORDERED_TODAY]
                    },
                    "yes": None,
                    "no": "browse",
                },
                _email("browse", None),
            ],
            "exit": [*BOUGHT_EXIT, {"event": "Checkout Started"}],
            "reentry": {"mode": "after_days", "days": 7},
        },
    ),
    Starter(
        "post_purchase_cross_sell",
        "Post-purchase cross-sell",
        "A week after an order, an email with what buyers of the same products bought next "
        "(recommendations leave out what was just bought). Once a month at most.",
        (
            Pick(
                "cross_sell",
                "email_template",
                "Cross-sell email",
                "A thank-you and a recommendations block.",
                "cross_sell",
            ),
        ),
        {
            "trigger": {"type": "event", "event": "Order Completed"},
            "start": "a_week",
            "steps": [_delay("a_week", "cross_sell", days=7), _email("cross_sell", None)],
            "reentry": {"mode": "after_days", "days": 30},
        },
    ),
    Starter(
        "win_back",
        "Win-back",
        "When a customer enters a lapsed-customers segment: a we-miss-you email, and a week "
        "later, if they have not ordered, an offer. An order ends the flow.",
        (
            Pick(
                "lapsed",
                "segment",
                "Lapsed customers segment",
                'People who ordered before but not lately, e.g. {"event": "Order Completed", '
                '"last_seen_days_ago": {"gt": 180}}.',
            ),
            Pick(
                "miss_you",
                "email_template",
                "We-miss-you email",
                "Sent on entering the segment: what is new, recommendations.",
                "miss_you",
            ),
            Pick(
                "offer",
                "email_template",
                "Offer email",
                "A week later, only to people who have not ordered.",
                "offer",
            ),
        ),
        {
            "trigger": {"type": "segment_entered", "segment_id": 0},
            "start": "miss_you",
            "steps": [
                _email("miss_you", "a_week"),
                _delay("a_week", "back?", days=7),
                _bought("back?", 7, "offer"),
                _email("offer", None),
            ],
            "exit": BOUGHT_EXIT,
            "reentry": {"mode": "after_days", "days": 90},
        },
    ),
    Starter(
        "renewal_reminder",
        "Renewal reminder",
        "Thirty days before a contract ends: an email to its contact and a task for the "
        "owner to agree the next term.",
        (
            Pick(
                "reminder",
                "email_template",
                "Renewal email",
                "To the contract's contact: the end date is in a month, what renewing brings.",
                "reminder",
            ),
        ),
        {
            "trigger": {"type": "date", "contract": "end_date", "offset_days": -30},
            "start": "reminder",
            "steps": [
                {**_email("reminder", "call"), "purpose": "transactional"},
                {
                    "id": "call",
                    "type": "create_task",
                    "due_days": 3,
                    "subject": "Renewal in 30 days: agree the next term",
                    "next": None,
                },
            ],
            "reentry": {"mode": "after_days", "days": 300},
        },
    ),
)


def get_starter(key: str) -> Starter:
    """The starter called ``key``, or NotFound."""
    for starter in STARTERS:
        if starter.key == key:
            return starter
    raise NotFound(f"no starter flow {key}")
