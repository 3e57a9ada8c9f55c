"""Custom fields on the list pages (accounts, people, deals): chosen columns and filters.

Filters are the API's typed filters, ``custom.<key>=value`` in the query string (a value is
compared with the field's type: ``12`` equals ``12.0`` for a number, ``true`` for a boolean).
The chosen columns are ``columns=<key>`` parameters; the list's form sends them with
``columns_chosen=1`` and they are remembered in a cookie per list, so the list keeps its
columns when opened again without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.core.enums import CustomFieldType
from twofold.core.errors import ValidationFailed
from twofold.store.listing import Page
from twofold.web.custom_fields import CustomField, custom_display, custom_fields
from twofold.web.forms import CUSTOM_PREFIX

COLUMNS_COOKIE = "twofold_columns_{entity}"
COLUMNS_CHOSEN = "columns_chosen"
ONE_YEAR = 365 * 24 * 3600
T = TypeVar("T")


@dataclass(frozen=True)
class ListView:
    """The custom fields of a list page: all of them, the chosen columns, the filters."""

    entity: str
    fields: list[CustomField]
    columns: list[CustomField]
    filters: dict[str, str]
    kept: dict[str, str] = field(default_factory=dict)
    chosen: bool = False
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def column_keys(self) -> set[str]:
        """The keys of the chosen columns (for the checkboxes)."""
        return {column.key for column in self.columns}

    @property
    def general_problems(self) -> list[str]:
        """Problems not about one of the filters drawn (an unknown field, a bad cursor)."""
        drawn = {CUSTOM_PREFIX + item.key for item in self.fields}
        return [
            f"{name}: {message}" if name != "form" else message
            for name, message in self.problems.items()
            if name not in drawn
        ]

    @property
    def active_filters(self) -> list[tuple[CustomField, str]]:
        """The filters in use as ``(field, value as shown)``, in definition order."""
        return [
            (item, _shown(item, self.filters[item.key]))
            for item in self.fields
            if item.key in self.filters
        ]

    def query(self, *, with_filters: bool = True) -> str:
        """The list's query string without the cursor (for "Next", "First page" and, without
        the filters, "Clear filters")."""
        params = [(name, value) for name, value in self.kept.items() if value]
        if with_filters:
            params += [(CUSTOM_PREFIX + key, value) for key, value in self.filters.items()]
        if self.chosen or not with_filters:
            params += [("columns", column.key) for column in self.columns]
            params.append((COLUMNS_CHOSEN, "1"))
        return urlencode(params)


def _shown(item: CustomField, value: str) -> str:
    if item.field_type == CustomFieldType.BOOLEAN.value:
        return {"true": "Yes", "false": "No"}.get(value.lower(), value)
    return custom_display(item, value)


def list_view(
    request: Request, session: Session, entity: str, *, kept: Mapping[str, str | None]
) -> ListView:
    """Read the chosen columns (from the query, else the cookie) and the custom filters.

    ``kept`` are the list's other parameters (search, account...), carried in its links.
    """
    fields = custom_fields(session, entity)
    params = request.query_params
    chosen = params.get(COLUMNS_CHOSEN) == "1"
    if chosen:
        wanted = set(params.getlist("columns"))
    else:
        wanted = set(request.cookies.get(COLUMNS_COOKIE.format(entity=entity), "").split("."))
    filters = {
        name.removeprefix(CUSTOM_PREFIX): value.strip()
        for name, value in params.items()
        if name.startswith(CUSTOM_PREFIX) and value.strip()
    }
    return ListView(
        entity=entity,
        fields=fields,
        columns=[item for item in fields if item.key in wanted],
        filters=filters,
        kept={name: value or "" for name, value in kept.items()},
        chosen=chosen,
    )


def remember_columns(response: Response, view: ListView, *, secure: bool) -> Response:
    """Keep the columns the user just chose for the next visit to the list."""
    if view.chosen:
        response.set_cookie(
            COLUMNS_COOKIE.format(entity=view.entity),
            ".".join(column.key for column in view.columns),  # keys: [a-z0-9_], no quoting
            max_age=ONE_YEAR,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
    return response


def load_page(view: ListView, load: Callable[[], Page[T]]) -> tuple[ListView, Page[T], int]:
    """Run the list's query; a filter the domain refuses (``custom.seats=lots`` for a number,
    an unknown field) gives an empty page, status 422 and the message beside the filter."""
    try:
        return view, load(), 200
    except ValidationFailed as error:
        problems = {problem.field: problem.message for problem in error.details}
        refused = replace(view, problems=problems or {"form": error.message})
        return refused, Page(items=[], next_cursor=None), 422
