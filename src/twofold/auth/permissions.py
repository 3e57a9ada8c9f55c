"""Who may do what: roles plus record ownership (docs/decisions/0003-auth.md)."""

from __future__ import annotations

from twofold.core.enums import Role
from twofold.core.errors import PermissionDenied
from twofold.store.models import User

EDIT_EVERYTHING = frozenset({Role.ADMIN, Role.MANAGER})


def ensure_can_write(actor: User) -> None:
    """Viewers read only."""
    if actor.role == Role.VIEWER:
        raise PermissionDenied("viewers cannot change records")


def ensure_can_edit(actor: User, owner_id: int | None, *, record: str) -> None:
    """Admins and managers edit everything; reps and marketers only what they own."""
    ensure_can_write(actor)
    if actor.role in EDIT_EVERYTHING or owner_id == actor.id:
        return
    raise PermissionDenied(f"you can only change {record}s you own")


def ensure_can_edit_person(actor: User, owner_id: int | None) -> None:
    """Marketers work on the whole audience, so they may edit any person."""
    if actor.role == Role.MARKETER:
        return
    ensure_can_edit(actor, owner_id, record="person")


def ensure_can_assign(actor: User, owner_id: int | None) -> None:
    """Only admins and managers give records to somebody else."""
    if actor.role in EDIT_EVERYTHING or owner_id == actor.id:
        return
    raise PermissionDenied("only admins and managers can assign records to another user")


def ensure_admin(actor: User) -> None:
    """Configuration (users, custom fields) is for admins."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied("only admins can do this")


def ensure_manager(actor: User) -> None:
    """Pipelines are shaped by admins and managers."""
    if actor.role not in EDIT_EVERYTHING:
        raise PermissionDenied("only admins and managers can do this")


AUDIENCE_ROLES = frozenset({Role.ADMIN, Role.MARKETER})


def ensure_can_manage_marketing(actor: User | None) -> None:
    """Marketing spend and model refits: admins and marketers (``None`` is the CLI)."""
    if actor is not None and actor.role not in AUDIENCE_ROLES:
        raise PermissionDenied("only admins and marketers can do this")


def ensure_can_merge_persons(actor: User | None) -> None:
    """Merging and reviewing identity conflicts: admins and marketers (``None`` is the CLI)."""
    if actor is not None and actor.role not in AUDIENCE_ROLES:
        raise PermissionDenied("only admins and marketers can merge persons")


def ensure_can_export_person(actor: User | None) -> None:
    """A person's complete data (a GDPR access request): admins and marketers."""
    if actor is not None and actor.role not in AUDIENCE_ROLES:
        raise PermissionDenied("only admins and marketers can export a person's data")


def ensure_can_erase_person(actor: User | None) -> None:
    """Erasure cannot be undone and removes records other users own: admins only."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only admins can erase a person's data")


def ensure_can_export_audience(actor: User | None) -> None:
    """Member lists and ad-platform files carry contact data: admins, managers, marketers."""
    if actor is not None and actor.role not in AUDIENCE_ROLES | {Role.MANAGER}:
        raise PermissionDenied("only admins, managers and marketers can export segment members")


def ensure_can_manage_forms(actor: User) -> None:
    """Web forms are published on the company's sites: admins, managers and marketers."""
    if actor.role not in AUDIENCE_ROLES | {Role.MANAGER}:
        raise PermissionDenied("only admins, managers and marketers can change web forms")
