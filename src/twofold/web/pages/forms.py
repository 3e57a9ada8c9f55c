"""Web forms in the UI: the list, the form builder (a row per field; HTMX adds rows) and a
form's page with its embeddable snippet, hosted link and latest submissions."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from twofold.api.dependencies import AppSettings
from twofold.forms import actions
from twofold.forms.fields import FieldType
from twofold.forms.schemas import FormCreate, FormUpdate
from twofold.forms.snippet import form_snippet
from twofold.forms.submissions import recent_submissions
from twofold.store.models import WebForm
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, split_list, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()
_ROW = re.compile(r"fields-(\d{1,2})-name")
FIELD_TYPES = [kind.value for kind in FieldType]
BLANK_ROWS = 2
STARTER_FIELDS: list[dict[str, Any]] = [
    {"name": "email", "label": "Work email", "type": "email", "required": True, "options": []},
    {"name": "name", "label": "Name", "type": "text", "required": True, "options": []},
    {"name": "company", "label": "Company", "type": "text", "required": False, "options": []},
    {"name": "title", "label": "Job title", "type": "text", "required": False, "options": []},
    {"name": "country", "label": "Country", "type": "country", "required": False, "options": []},
]


@router.get("/forms", include_in_schema=False)
def forms_page(request: Request, session: DbSession, _user: WebUser) -> Response:
    """Every form."""
    return render(request, "forms/list.html", {"forms": actions.list_forms(session)})


@router.get("/forms/new", include_in_schema=False)
def new_form_page(request: Request, _user: WebUser) -> Response:
    """The builder with a starter set of fields."""
    values = {"limit_per_address": "10", "limit_per_form": "1000"}
    return _builder(request, None, FormView(values=values), STARTER_FIELDS)


@router.get("/forms/field-row", include_in_schema=False)
def field_row(
    request: Request, _user: WebUser, index: Annotated[int, Query(ge=0, le=29)]
) -> Response:
    """One more blank field row (and the button for the next one)."""
    context = {"index": index, "field": {}, "types": FIELD_TYPES, "add_more": index < 29}
    return render(request, "forms/_field_row.html", context)


@router.post("/forms", include_in_schema=False)
def create_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Save a new form."""
    problems = FormProblems()
    created: WebForm | None = None
    fields = _fields(form)
    with problems.capture(session):
        created = actions.create_form(
            session, actor=user, data=FormCreate.model_validate(_settings(form, fields))
        )
    if created is None:
        return _builder(request, None, submitted(form, problems), fields, problems.status)
    return see_other(f"/forms/{created.id}")


@router.get("/forms/{form_id}", include_in_schema=False)
def form_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    settings: AppSettings,
    form_id: RecordId,
) -> Response:
    """A form: its fields, snippet, hosted link and latest submissions."""
    web_form = actions.get_form(session, form_id)
    context = {
        "web_form": web_form,
        "snippet": form_snippet(web_form, base_url=settings.link_base),
        "submissions": recent_submissions(session, web_form.id, limit=25),
    }
    return render(request, "forms/page.html", context)


@router.get("/forms/{form_id}/edit", include_in_schema=False)
def edit_form_page(
    request: Request, session: DbSession, _user: WebUser, form_id: RecordId
) -> Response:
    """The builder for an existing form."""
    web_form = actions.get_form(session, form_id)
    values = {
        "name": web_form.name,
        "description": web_form.description,
        "redirect_url": web_form.redirect_url or "",
        "consent_text": web_form.consent_text or "",
        "limit_per_address": str(web_form.limit_per_address),
        "limit_per_form": str(web_form.limit_per_form),
        "active": "on" if web_form.active else "",
    }
    return _builder(request, web_form, FormView(values=values), web_form.fields)


@router.post("/forms/{form_id}", include_in_schema=False)
def update_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    form_id: RecordId,
) -> Response:
    """Save a form's changes."""
    web_form = actions.get_form(session, form_id)
    problems = FormProblems()
    fields = _fields(form)
    with problems.capture(session):
        data = FormUpdate.model_validate(
            {**_settings(form, fields), "active": bool(form_text(form, "active"))}
        )
        actions.update_form(session, actor=user, form=web_form, data=data, expected_version=None)
    if problems:
        return _builder(request, web_form, submitted(form, problems), fields, problems.status)
    return see_other(f"/forms/{web_form.id}")


def _builder(
    request: Request,
    web_form: WebForm | None,
    view: FormView,
    fields: list[dict[str, Any]],
    status_code: int = 200,
) -> Response:
    rows = [*fields, *({} for _ in range(BLANK_ROWS))]
    context = {"web_form": web_form, "form": view, "rows": rows, "types": FIELD_TYPES}
    return render(request, "forms/builder.html", context, status_code=status_code)


def _settings(form: FormData, fields: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": form_text(form, "name"),
        "description": form_text(form, "description"),
        "redirect_url": form_text(form, "redirect_url") or None,
        "consent_text": form_text(form, "consent_text") or None,
        "fields": fields,
    }
    for key in ("limit_per_address", "limit_per_form"):
        if form_text(form, key):
            values[key] = form_text(form, key)
    return values


def _fields(form: FormData) -> list[dict[str, Any]]:
    """The builder's rows in order; rows without a name are the blank ones."""
    indices = sorted({int(match.group(1)) for key in form if (match := _ROW.fullmatch(key))})
    fields = []
    for index in indices:
        name = form_text(form, f"fields-{index}-name").strip()
        if not name:
            continue
        row: dict[str, Any] = {
            "name": name,
            "label": form_text(form, f"fields-{index}-label"),
            "type": form_text(form, f"fields-{index}-type") or "text",
            "required": bool(form_text(form, f"fields-{index}-required")),
        }
        options = split_list(form_text(form, f"fields-{index}-options"))
        if options:
            row["options"] = options
        fields.append(row)
    return fields
