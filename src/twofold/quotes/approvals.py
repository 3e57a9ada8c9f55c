"""Who may approve a quote's discount: a manager above the deal's owner, or an admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from twofold.core.enums import Role
from twofold.core.errors import PermissionDenied
from twofold.forecasting.teams import manager_chain
from twofold.store.models import Deal, User


def needs_approval(effective_discount_percent: Decimal, threshold_percent: Decimal) -> bool:
    """A discount off list prices above the threshold needs approval (at it, it does not)."""
    return effective_discount_percent > threshold_percent


def may_approve(session: Session, *, actor: User, deal: Deal) -> bool:
    """Admins, and anyone above the deal's owner in the team tree (not the owner)."""
    if actor.role == Role.ADMIN:
        return True
    if deal.owner_id is None or deal.owner_id == actor.id:
        return False
    return actor.id in manager_chain(session, deal.owner_id)[1:]


def ensure_may_approve(session: Session, *, actor: User, deal: Deal) -> None:
    """Refuse anyone but the owner's managers and admins."""
    if not may_approve(session, actor=actor, deal=deal):
        raise PermissionDenied("only a manager of the deal's owner or an admin can approve")
