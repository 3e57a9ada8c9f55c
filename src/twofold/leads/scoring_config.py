"""The scoring rules in force, kept as JSON in ``config_entries`` (admins and managers
change them; every lead is rescored on its next submission or on demand)."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.leads.scoring_rules import ScoringRules, parse_rules
from twofold.store.config_entries import read_config, write_config
from twofold.store.models import User

SCORING_KEY: Final = "leads.scoring"
# Until somebody sets their own: seniority, company size, and the engagement that says
# the person is paying attention.
DEFAULT_RULES: Final[dict[str, Any]] = {
    "fit": [
        {"field": "title", "op": "contains", "value": "VP", "points": 10},
        {"field": "title", "op": "contains", "value": "Head", "points": 5},
        {"field": "account.employees", "op": "gte", "value": 200, "points": 15},
    ],
    "engagement": [
        {"event": "Email Opened", "within_days": 30, "points": 2, "max_points": 10},
        {"event": "Email Clicked", "within_days": 30, "points": 5, "max_points": 15},
        {"type": "page", "within_days": 14, "points": 1, "max_points": 10},
    ],
}


def scoring_rules(session: Session) -> ScoringRules:
    """The rules in force (the defaults until some are stored)."""
    return parse_rules(read_config(session, SCORING_KEY, DEFAULT_RULES))


def set_scoring_rules(session: Session, *, actor: User, document: dict[str, Any]) -> ScoringRules:
    """Replace the rules (admins and managers); refused whole when any rule is wrong."""
    ensure_manager(actor)
    rules = parse_rules(document)
    write_config(session, SCORING_KEY, rules.as_dict())
    return rules
