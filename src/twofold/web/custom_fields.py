"""Admin-defined custom fields in the forms and on the record pages.

A custom field ``key`` is posted as the form field ``custom.<key>`` and converted to its JSON
type before the domain validates it: numbers become ``int``/``float``, ``true``/``false``
become booleans, and a blank field becomes ``None`` (which clears the value). Text that does
not convert (``many`` for a number) is passed on as typed, so that the domain reports it on
``custom.<key>`` together with every other problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.core.enums import CustomFieldType
from twofold.customfields.definitions import list_custom_fields
from twofold.web.dependencies import form_text
from twofold.web.formatting import day
from twofold.web.forms import CUSTOM_PREFIX

YES_NO = [("true", "Yes"), ("false", "No")]


@dataclass(frozen=True)
class CustomField:
    """One custom field as the forms and the record pages draw it."""

    key: str
    label: str
    field_type: str
    choices: tuple[str, ...]
    required: bool

    @property
    def name(self) -> str:
        """The form field's name, which is also the path of the domain's messages."""
        return CUSTOM_PREFIX + self.key

    @property
    def options(self) -> list[tuple[str, str]]:
        """A choice field's ``(value, text)`` options."""
        return [(choice, choice) for choice in self.choices]


def custom_fields(session: Session, entity: str) -> list[CustomField]:
    """The custom fields of ``account``, ``person`` or ``deal``, in definition order."""
    return [
        CustomField(
            key=definition.key,
            label=definition.label,
            field_type=definition.field_type,
            choices=tuple(definition.choices or ()),
            required=definition.required,
        )
        for definition in list_custom_fields(session, entity)
    ]


def custom_context(fields: Sequence[CustomField]) -> dict[str, object]:
    """What the templates need: the fields, and their labels for the problem summary."""
    return {
        "custom_fields": list(fields),
        "custom_labels": {field.name: field.label for field in fields},
    }


def custom_input(form: FormData, fields: Sequence[CustomField]) -> dict[str, Any]:
    """``{"custom": {...}}`` with the posted custom fields as JSON values, or ``{}``.

    Fields missing from the post are left alone (a field defined after the form was drawn);
    blank ones are ``None``, which clears the stored value.
    """
    values = {
        field.key: _json_value(field, form_text(form, field.name))
        for field in fields
        if field.name in form
    }
    return {"custom": values} if values else {}


def _json_value(field: CustomField, raw: str) -> Any:
    text = raw.strip()
    if not text:
        return None
    kind = CustomFieldType(field.field_type)
    if kind == CustomFieldType.NUMBER:
        return _number(text)
    if kind == CustomFieldType.BOOLEAN:
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def _number(text: str) -> int | float | str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def custom_form_values(
    fields: Sequence[CustomField], stored: Mapping[str, Any] | None
) -> dict[str, str]:
    """A record's custom values as the edit form shows them."""
    stored = stored or {}
    return {field.name: _form_text(stored.get(field.key)) for field in fields}


def _form_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def custom_display(field: CustomField, value: Any) -> str:
    """A stored custom value as a record page shows it: ``Yes``/``No``, ``12 Mar 2025``, ``—``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.field_type == CustomFieldType.DATE.value and isinstance(value, str):
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
