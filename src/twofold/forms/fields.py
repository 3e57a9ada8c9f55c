"""A web form's fields: checking a definition, and cleaning what a visitor submitted.

Field names that are lead fields (``email``, ``first_name``, ``company``...) fill the lead;
every value is also kept in the lead's raw fields. Each form has an ``email`` field: it is
how a submission finds its person (decision 0020).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.core.places import parse_country
from twofold.persons.contact_points import normalise_email, normalise_phones


class FieldType(StrEnum):
    """What a form field holds (and how its value is checked)."""

    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    PHONE = "phone"
    NUMBER = "number"
    COUNTRY = "country"
    URL = "url"
    SELECT = "select"
    CHECKBOX = "checkbox"


# Lead fields a form field can fill, by name, and the type each must have.
LEAD_FIELDS: Final[dict[str, tuple[FieldType, ...]]] = {
    "email": (FieldType.EMAIL,),
    "first_name": (FieldType.TEXT,),
    "last_name": (FieldType.TEXT,),
    "name": (FieldType.TEXT,),
    "phone": (FieldType.PHONE,),
    "company": (FieldType.TEXT,),
    "title": (FieldType.TEXT,),
    "country": (FieldType.COUNTRY, FieldType.SELECT),
    "website": (FieldType.URL,),
}
# Filled by bots only: the snippet hides it from people. A form may not use the name.
HONEYPOT_FIELD: Final = "fax"
CONSENT_FIELD: Final = "consent"
# Campaign parameters a site may pass along with any form; kept with the raw fields.
CAMPAIGN_FIELDS: Final = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}
)
RESERVED: Final = frozenset({HONEYPOT_FIELD, CONSENT_FIELD}) | CAMPAIGN_FIELDS
MAX_FIELDS: Final = 30
MAX_OPTIONS: Final = 50
MAX_TEXT: Final = 500
MAX_TEXTAREA: Final = 5000
_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
_URL: Final = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
# Anything but control characters (line breaks and tabs are fine in a message).
_PRINTABLE: Final = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")
_TRUE: Final = frozenset({"on", "true", "1", "yes"})
_FALSE: Final = frozenset({"", "off", "false", "0", "no"})


@dataclass(frozen=True)
class FormField:
    """One checked field of a form."""

    name: str
    label: str
    type: FieldType
    required: bool = False
    options: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The stored (and API) shape."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "required": self.required,
            "options": list(self.options),
        }


def check_fields(raw: list[Mapping[str, Any]]) -> list[FormField]:
    """The definition's fields, or every problem with its path (``fields[2].name``)."""
    problems: list[FieldProblem] = []
    fields: list[FormField] = []
    if not 1 <= len(raw) <= MAX_FIELDS:
        raise ValidationFailed.on("fields", f"a form has 1 to {MAX_FIELDS} fields")
    for index, item in enumerate(raw):
        try:
            fields.append(_check_field(item, path=f"fields[{index}]"))
        except ValidationFailed as error:
            problems.extend(error.details)
    names = [field.name for field in fields]
    problems.extend(
        FieldProblem("fields", f"the name {name!r} is used twice")
        for name in sorted({name for name in names if names.count(name) > 1})
    )
    if not problems and not any(f.name == "email" for f in fields):
        problems.append(
            FieldProblem("fields", "a form needs an 'email' field (it identifies the person)")
        )
    if problems:
        raise ValidationFailed("the form's fields are not valid", details=problems)
    return fields


def stored_fields(form_fields: list[dict[str, Any]]) -> list[FormField]:
    """The fields of a stored form (checked when it was saved)."""
    return [
        FormField(
            name=item["name"],
            label=item["label"],
            type=FieldType(item["type"]),
            required=bool(item["required"]),
            options=tuple(item.get("options") or ()),
        )
        for item in form_fields
    ]


def _check_field(item: Mapping[str, Any], *, path: str) -> FormField:
    unknown = set(item) - {"name", "label", "type", "required", "options"}
    if unknown:
        raise ValidationFailed.on(path, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationFailed.on(
            f"{path}.name", "1-40 lower-case letters, digits or _, starting with a letter"
        )
    if name in RESERVED:
        raise ValidationFailed.on(f"{path}.name", f"{name!r} is reserved")
    try:
        kind = FieldType(item.get("type", "text"))
    except ValueError:
        choices = ", ".join(t.value for t in FieldType)
        raise ValidationFailed.on(f"{path}.type", f"one of {choices}") from None
    if name in LEAD_FIELDS and kind not in LEAD_FIELDS[name]:
        allowed = " or ".join(t.value for t in LEAD_FIELDS[name])
        raise ValidationFailed.on(f"{path}.type", f"the {name!r} field must be {allowed}")
    label = item.get("label") or name.replace("_", " ").capitalize()
    if not isinstance(label, str) or len(label.strip()) > 200 or not label.strip().isprintable():
        raise ValidationFailed.on(f"{path}.label", "at most 200 printable characters")
    required = item.get("required", False)
    if not isinstance(required, bool):
        raise ValidationFailed.on(f"{path}.required", "true or false")
    options = _check_options(item.get("options") or [], kind=kind, path=path)
    if name == "email":
        required = True
    return FormField(name, label.strip(), kind, required, options)


def _check_options(options: Any, *, kind: FieldType, path: str) -> tuple[str, ...]:
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise ValidationFailed.on(f"{path}.options", "a list of texts")
    cleaned = tuple(dict.fromkeys(o.strip() for o in options if o.strip()))
    if kind is FieldType.SELECT and not 1 <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationFailed.on(f"{path}.options", f"a choice needs 1 to {MAX_OPTIONS} options")
    if kind is not FieldType.SELECT and cleaned:
        raise ValidationFailed.on(f"{path}.options", "only choice (select) fields have options")
    if any(len(o) > 100 for o in cleaned):
        raise ValidationFailed.on(f"{path}.options", "each option at most 100 characters")
    return cleaned


@dataclass(frozen=True)
class CleanSubmission:
    """A submission's values after the checks, and the two special fields."""

    values: dict[str, Any]
    consent_given: bool
    honeypot_filled: bool


def clean_submission(
    fields: list[FormField], submitted: Mapping[str, Any], *, has_consent: bool
) -> CleanSubmission:
    """Check every submitted value against the form; every problem at once, by field name.

    Unknown fields are refused (a typo on the website must not lose data silently), except
    the campaign parameters (``utm_*``). A filled honeypot is recognised before anything is
    checked: a bot gets the same answer whatever else it sent.
    """
    if submitted.get(HONEYPOT_FIELD) not in (None, "", False):
        return CleanSubmission(values={}, consent_given=False, honeypot_filled=True)
    known = {field.name for field in fields} | RESERVED
    problems = [
        FieldProblem(str(name), "this form has no such field")
        for name in submitted
        if name not in known
    ]
    values: dict[str, Any] = {}
    for field in fields:
        try:
            value = _clean_value(field, submitted.get(field.name))
        except ValidationFailed as error:
            problems.extend(error.details)
            continue
        if value is not None:
            values[field.name] = value
    for name in sorted(CAMPAIGN_FIELDS & set(submitted)):
        text = _text(submitted[name], name=name, limit=200)
        if text:
            values[name] = text
    consent = _flag(submitted.get(CONSENT_FIELD), name=CONSENT_FIELD, problems=problems)
    if problems:
        raise ValidationFailed("the submission is not valid", details=problems)
    return CleanSubmission(
        values=values, consent_given=consent and has_consent, honeypot_filled=False
    )


def _clean_value(field: FormField, raw: Any) -> Any:
    if field.type is FieldType.CHECKBOX:
        problems: list[FieldProblem] = []
        ticked = _flag(raw, name=field.name, problems=problems)
        if problems:
            raise ValidationFailed(problems[0].message, details=problems)
        if field.required and not ticked:
            raise ValidationFailed.on(field.name, "must be ticked")
        return ticked
    limit = MAX_TEXTAREA if field.type is FieldType.TEXTAREA else MAX_TEXT
    text = _text(raw, name=field.name, limit=limit)
    if not text:
        if field.required:
            raise ValidationFailed.on(field.name, "is required")
        return None
    return _typed(field, text)


def _typed(field: FormField, text: str) -> Any:
    if field.type is FieldType.EMAIL:
        return normalise_email(text, field=field.name)
    if field.type is FieldType.PHONE:
        try:
            return normalise_phones([text])[0]
        except ValidationFailed:
            raise ValidationFailed.on(field.name, f"{text!r} is not a valid phone number") from None
    if field.type is FieldType.COUNTRY:
        return parse_country(text, field=field.name)
    if field.type is FieldType.SELECT:
        if text not in field.options:
            raise ValidationFailed.on(field.name, f"choose one of: {', '.join(field.options)}")
        return parse_country(text, field=field.name) if field.name == "country" else text
    if field.type is FieldType.URL:
        if not _URL.fullmatch(text):
            raise ValidationFailed.on(field.name, "an http(s) address, e.g. https://example.com")
        return text
    return _number(field.name, text) if field.type is FieldType.NUMBER else text


def _number(name: str, text: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise ValidationFailed.on(name, f"{text!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > 1e15:
        raise ValidationFailed.on(name, "must be a finite number below 10^15")
    return int(number) if number.is_integer() else number


def _text(raw: Any, *, name: str, limit: int) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValidationFailed.on(name, "must be a text")
    text = str(raw).strip()
    if len(text) > limit:
        raise ValidationFailed.on(name, f"at most {limit} characters")
    if not _PRINTABLE.fullmatch(text):
        raise ValidationFailed.on(name, "contains control characters")
    return text


def _flag(raw: Any, *, name: str, problems: list[FieldProblem]) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    problems.append(FieldProblem(name, "a checkbox: on/true or off/false"))
    return False
