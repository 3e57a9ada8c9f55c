"""Define custom fields and validate the values records carry for them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.enums import CustomFieldType
from twofold.core.errors import Conflict, FieldProblem, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.store.models import CustomFieldDefinition, User

CustomEntity = Literal["account", "person", "deal"]
# Stored as JSON numbers and compared as doubles: keep them in the exactly representable range.
MAX_CUSTOM_NUMBER = 10**15
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class CustomFieldCreate(InputModel):
    """A new custom field."""

    entity: CustomEntity
    key: str = Field(examples=["contract_tier"])
    label: str = Field(min_length=1, max_length=200)
    field_type: CustomFieldType
    choices: list[str] = Field(default_factory=list)
    required: bool = False


def define_custom_field(
    session: Session, *, actor: User, data: CustomFieldCreate
) -> CustomFieldDefinition:
    """Add a custom field definition (admins only)."""
    ensure_admin(actor)
    if not KEY_PATTERN.match(data.key):
        raise ValidationFailed.on("key", "use lower-case letters, digits and underscores")
    if data.field_type == CustomFieldType.CHOICE and not data.choices:
        raise ValidationFailed.on("choices", "a choice field needs at least one choice")
    existing = session.scalar(
        select(CustomFieldDefinition.id).where(
            CustomFieldDefinition.entity == data.entity, CustomFieldDefinition.key == data.key
        )
    )
    if existing is not None:
        raise Conflict(f"{data.entity} already has a custom field {data.key!r}")
    definition = CustomFieldDefinition(
        entity=data.entity,
        key=data.key,
        label=data.label,
        field_type=data.field_type.value,
        choices=data.choices if data.field_type == CustomFieldType.CHOICE else [],
        required=data.required,
        position=len(list_custom_fields(session, data.entity)),
    )
    session.add(definition)
    session.flush()
    return definition


def list_custom_fields(session: Session, entity: str) -> list[CustomFieldDefinition]:
    """The custom fields of one entity, in display order."""
    query = (
        select(CustomFieldDefinition)
        .where(CustomFieldDefinition.entity == entity)
        .order_by(CustomFieldDefinition.position, CustomFieldDefinition.id)
    )
    return list(session.scalars(query))


def validate_custom_values(
    session: Session,
    *,
    entity: str,
    values: dict[str, Any],
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Merge ``values`` into ``current`` after checking each against its definition.

    ``None`` removes a value. Unknown keys, wrong types and missing required fields are
    reported together, each with its path (``custom.<key>``).
    """
    definitions = {d.key: d for d in list_custom_fields(session, entity)}
    merged = dict(current or {})
    problems: list[FieldProblem] = []
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            problems.append(FieldProblem(f"custom.{key}", "no such custom field"))
            continue
        if value is None:
            merged.pop(key, None)
            continue
        try:
            merged[key] = _coerce(definition, value)
        except ValueError as error:
            problems.append(FieldProblem(f"custom.{key}", str(error)))
    for key, definition in definitions.items():
        if definition.required and merged.get(key) in (None, ""):
            problems.append(FieldProblem(f"custom.{key}", "is required"))
    if problems:
        raise ValidationFailed("invalid custom fields", details=problems)
    return merged


def _coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    kind = CustomFieldType(definition.field_type)
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind == CustomFieldType.NUMBER:
        return _number(value)
    if kind == CustomFieldType.DATE:
        return _date(value)
    if value not in definition.choices:
        raise ValueError(f"must be one of {', '.join(definition.choices)}")
    return value


def _number(value: Any) -> int | float:
    # Stored as a JSON number so that filters compare numerically on both databases.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite() or abs(number) >= MAX_CUSTOM_NUMBER:
        raise ValueError(f"must be a number between -{MAX_CUSTOM_NUMBER} and {MAX_CUSTOM_NUMBER}")
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be an ISO date (YYYY-MM-DD)") from None
