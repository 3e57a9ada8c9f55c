"""The account value model's settings, kept as JSON in ``config_entries`` (admins change
them at run time, like the health weights)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.errors import ValidationFailed
from twofold.store.models import ConfigEntry, User

SETTINGS_KEY = "account_value.settings"
# What a past term's segment can be made of: account fields, the size band, the contract's.
SEGMENT_FIELDS = ("tier", "industry", "size_band", "region", "auto_renew", "billing_period")
MAX_HORIZON_YEARS = 10
MAX_GRACE_DAYS = 365
MAX_PRIOR_STRENGTH = 1000


@dataclass(frozen=True)
class AccountValueSettings:
    """How renewal rates are learned and contract value is discounted."""

    annual_discount_rate: str = "0.10"  # a decimal string, 0..1
    horizon_years: int = 3
    segment_by: tuple[str, ...] = ("tier", "size_band")
    # Pseudo-terms each segment borrows from its parent's rate (Beta prior strength).
    prior_strength: int = 5
    # A contract starting within this many days of a term's end renews it.
    grace_days: int = 30

    @property
    def discount_rate(self) -> Decimal:
        """The yearly discount rate as a number."""
        return Decimal(self.annual_discount_rate)

    def as_dict(self) -> dict[str, Any]:
        """The stored and API form."""
        return {**asdict(self), "segment_by": list(self.segment_by)}


def account_value_settings(session: Session) -> AccountValueSettings:
    """The settings in force: the defaults with the stored ones laid over them."""
    entry = session.get(ConfigEntry, SETTINGS_KEY)
    if entry is None:
        return AccountValueSettings()
    return checked_settings(AccountValueSettings(), dict(entry.value))


def set_account_value_settings(
    session: Session, *, actor: User, changes: dict[str, Any]
) -> AccountValueSettings:
    """Change some settings (admins); a bad value is refused and nothing is stored."""
    ensure_admin(actor)
    settings = checked_settings(account_value_settings(session), changes)
    entry = session.get(ConfigEntry, SETTINGS_KEY)
    if entry is None:
        session.add(ConfigEntry(key=SETTINGS_KEY, value=settings.as_dict()))
    else:
        entry.value = settings.as_dict()
    session.flush()
    return settings


def checked_settings(
    current: AccountValueSettings, changes: dict[str, Any]
) -> AccountValueSettings:
    """``current`` with ``changes`` applied, each checked."""
    known = set(AccountValueSettings.__dataclass_fields__)
    for name in changes:
        if name not in known:
            raise ValidationFailed.on(name, f"unknown setting (one of {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    if "annual_discount_rate" in changes:
        values["annual_discount_rate"] = _rate(changes["annual_discount_rate"])
    for name, most in (
        ("horizon_years", MAX_HORIZON_YEARS),
        ("prior_strength", MAX_PRIOR_STRENGTH),
        ("grace_days", MAX_GRACE_DAYS),
    ):
        if name in changes:
            least = 1 if name == "horizon_years" else 0
            values[name] = _whole(name, changes[name], least=least, most=most)
    if "segment_by" in changes:
        values["segment_by"] = _segment_by(changes["segment_by"])
    return replace(current, **values)


def _rate(value: Any) -> str:
    try:
        rate = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        rate = None
    if isinstance(value, bool) or rate is None or not rate.is_finite() or not 0 <= rate <= 1:
        raise ValidationFailed.on("annual_discount_rate", "must be a decimal string from 0 to 1")
    return str(rate)


def _whole(name: str, value: Any, *, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValidationFailed.on(name, f"must be a whole number from {least} to {most}")
    return value


def _segment_by(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationFailed.on("segment_by", "must be a list of field names")
    for item in value:
        if item not in SEGMENT_FIELDS:
            raise ValidationFailed.on(
                "segment_by", f"{item!r} is not a segment field: use {', '.join(SEGMENT_FIELDS)}"
            )
    if len(set(value)) != len(value):
        raise ValidationFailed.on("segment_by", "names a field twice")
    return tuple(value)
