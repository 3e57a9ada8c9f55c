"""Filtering records by custom-field values, typed per the field's definition."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from twofold.core.enums import CustomFieldType
from twofold.core.errors import ValidationFailed
from twofold.customfields.definitions import list_custom_fields


def filter_by_custom_fields(
    session: Session, query: Select[Any], *, entity: str, column: Any, filters: dict[str, str]
) -> Select[Any]:
    """Add ``custom.<key> = value`` conditions (values come as query-string text)."""
    if not filters:
        return query
    definitions = {d.key: d for d in list_custom_fields(session, entity)}
    for key, raw in filters.items():
        definition = definitions.get(key)
        if definition is None:
            raise ValidationFailed.on(f"custom.{key}", "no such custom field")
        query = query.where(
            _condition(column[key], CustomFieldType(definition.field_type), key, raw)
        )
    return query


def _condition(element: Any, kind: CustomFieldType, key: str, raw: str) -> ColumnElement[bool]:
    if kind == CustomFieldType.NUMBER:
        try:
            number = float(Decimal(raw))
        except InvalidOperation:
            raise ValidationFailed.on(f"custom.{key}", "must be a number") from None
        result: ColumnElement[bool] = element.as_float() == number
        return result
    if kind == CustomFieldType.BOOLEAN:
        if raw.lower() not in {"true", "false"}:
            raise ValidationFailed.on(f"custom.{key}", "must be true or false")
        return element.as_boolean().is_(raw.lower() == "true")  # type: ignore[no-any-return]
    if kind == CustomFieldType.DATE:
        try:
            raw = date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValidationFailed.on(f"custom.{key}", "must be an ISO date") from None
    return element.as_string() == raw  # type: ignore[no-any-return]
