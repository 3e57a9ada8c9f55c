"""Turning HTML form posts into schema input, and failures back into messages beside fields.

A form post is handled inside a savepoint: when the domain refuses it, the savepoint is
rolled back (nothing half-written is committed with the request) and the form is drawn
again with what the user typed and a message next to each field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.core.errors import (
    NotAuthenticated,
    NotFound,
    StageGateFailed,
    TwofoldError,
    ValidationFailed,
)
from twofold.web.dependencies import CSRF_FIELD, form_text

_LIST_SEPARATORS = re.compile(r"[,\n;]")
_FIELD_NAME = re.compile(r"[.\[]")
CUSTOM_PREFIX = "custom."
CORRECT_FIELDS = "Please correct the fields marked below."
MAX_ID = 2**63 - 1


@dataclass
class FormProblems:
    """What went wrong with one submission: messages per field and one for the whole form."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None
    status: int = 200

    def __bool__(self) -> bool:
        return bool(self.errors or self.message)

    def add(self, field_name: str, message: str) -> None:
        """Attach a message to a field (``emails[1]`` is shown on ``emails``).

        A custom field's path keeps its key (``custom.tier`` is the form field's name).
        """
        if field_name.startswith(CUSTOM_PREFIX) and len(field_name) > len(CUSTOM_PREFIX):
            key = _FIELD_NAME.split(field_name.removeprefix(CUSTOM_PREFIX), maxsplit=1)[0]
            name = CUSTOM_PREFIX + key if key else "custom"
        else:
            name = _FIELD_NAME.split(field_name, maxsplit=1)[0] or "form"
        self.errors.setdefault(name, []).append(message)

    def refuse(self, field_name: str, message: str) -> None:
        """Refuse the submission because of one field, before any domain function ran."""
        self.status = 422
        self.message = _sentence(message)
        self.add(field_name, message)

    def summary(self) -> list[tuple[str, str]]:
        """Every field message as ``(field, message)``, for the summary above the form."""
        return [(name, message) for name, messages in self.errors.items() for message in messages]

    @contextmanager
    def capture(self, session: Session) -> Iterator[None]:
        """Run a form's action in a savepoint; a refusal is recorded here instead of raised.

        ``NotAuthenticated`` and ``NotFound`` still propagate: they are not about the input.
        """
        savepoint = session.begin_nested()
        try:
            yield
        except ValidationError as error:
            savepoint.rollback()
            self.record_pydantic(error)
        except (NotAuthenticated, NotFound):
            savepoint.rollback()
            raise
        except TwofoldError as error:
            savepoint.rollback()
            self.record_domain(error)
        else:
            savepoint.commit()

    def record_domain(self, error: TwofoldError) -> None:
        """Record a domain error: its field problems, and a message for the whole form."""
        self.status = error.status
        for problem in error.details:
            self.add(problem.field, problem.message)
        if error.details and not isinstance(error, StageGateFailed):
            self.message = CORRECT_FIELDS
        else:
            self.message = _sentence(error.message)

    def record_pydantic(self, error: ValidationError) -> None:
        """Record the problems pydantic found while building a schema from the form."""
        self.status = 422
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or "form"
            self.add(location, _readable(item["msg"]))
        self.message = CORRECT_FIELDS


def _readable(message: str) -> str:
    return message.removeprefix("Value error, ")


def _sentence(message: str) -> str:
    """Domain messages are written lower-case for JSON; a page shows them as sentences."""
    return message[:1].upper() + message[1:]


def typed_values(form: FormData) -> dict[str, str]:
    """What the user typed, to fill the form in again (never the CSRF token)."""
    return {key: form_text(form, key) for key in form if key != CSRF_FIELD}


def split_list(text: str) -> list[str]:
    """A list typed as one value per line or separated by commas."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def schema_input(
    form: FormData,
    fields: Sequence[str],
    *,
    lists: Collection[str] = (),
    keep_empty: bool = False,
) -> dict[str, Any]:
    """The fields of ``form`` as schema input; blank fields are left out unless ``keep_empty``.

    Create forms leave blanks out (the default applies); edit forms keep them, so that
    clearing a field clears it on the record.
    """
    values: dict[str, Any] = {}
    for name in fields:
        if name not in form:
            continue
        raw = form_text(form, name).strip()
        value: Any = split_list(raw) if name in lists else (raw or None)
        if name.endswith(("_id", "_ids")):
            _check_ids(name, value)
        if value in (None, []) and not keep_empty:
            continue
        values[name] = value
    return values


@dataclass
class FormView:
    """A form as a template draws it: the values to show and the problems to show beside them."""

    values: dict[str, str] = field(default_factory=dict)
    problems: FormProblems = field(default_factory=FormProblems)

    def value(self, name: str) -> str:
        """The value to put back in a field."""
        return self.values.get(name, "")

    def errors(self, name: str) -> list[str]:
        """The messages to show next to a field."""
        return self.problems.errors.get(name, [])

    @property
    def failed(self) -> bool:
        """True when the last submission of this form was refused."""
        return bool(self.problems)


def submitted(form: FormData, problems: FormProblems) -> FormView:
    """A refused submission, to draw again with what the user typed."""
    return FormView(values=typed_values(form), problems=problems)


def parse_id(text: str) -> int | None:
    """A record id typed or chosen in a form, or ``None`` when it is not one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID or int(text) < 1:
        return None
    return int(text)


def _check_ids(name: str, value: Any) -> None:
    """Refuse ids no database could hold before they reach a query (PostgreSQL would fail)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and item.isdigit() and parse_id(item) is None:
            raise ValidationFailed.on(name, f"{item} is not a valid id")


def json_field(form: FormData, name: str, *, missing: str) -> Any:
    """A form field holding a JSON document (a segment's rule, a flow's definition)."""
    text = form_text(form, name).strip()
    if not text:
        raise ValidationFailed.on(name, missing)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValidationFailed.on(name, f"not valid JSON: {error}") from None


def pretty_json(document: Any) -> str:
    """A JSON document indented for a textarea or a <pre>."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
