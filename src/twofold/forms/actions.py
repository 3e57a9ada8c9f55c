"""The verbs that change web forms: create, update, new token, delete."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_manage_forms
from twofold.core.enums import RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.forms.fields import check_fields
from twofold.forms.schemas import FormCreate, FormFields, FormUpdate
from twofold.messaging.webhooks.subscriptions import check_url
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import FormSubmission, User, WebForm
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

TOKEN_PREFIX = "frm_"  # noqa: S105 - a prefix, not a secret


def new_token() -> str:
    """A public, unguessable form token (it only lets a visitor submit the form)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(18)


def get_form(session: Session, form_id: int) -> WebForm:
    """The form with this id, or ``NotFound``."""
    form = session.get(WebForm, form_id)
    if form is None:
        raise NotFound(f"no form {form_id}")
    return form


def form_by_token(session: Session, token: str) -> WebForm:
    """The active form with this public token, or ``NotFound`` (an inactive form is not
    told apart from a missing one)."""
    form = session.scalar(select(WebForm).where(WebForm.token == token))
    if form is None or not form.active:
        raise NotFound("no such form")
    return form


def list_forms(session: Session) -> list[WebForm]:
    """Every form, by name."""
    return list(session.scalars(select(WebForm).order_by(WebForm.name, WebForm.id)))


def create_form(session: Session, *, actor: User, data: FormCreate) -> WebForm:
    """A new form with a fresh token."""
    ensure_can_manage_forms(actor)
    if data.fields is None:
        raise ValidationFailed.on("fields", "a form needs its fields")
    values = _clean(session, data, current=None)
    form = WebForm(
        **{"description": "", "active": True, **values},
        name=data.name.strip(),
        token=new_token(),
        created_by_id=actor.id,
    )
    session.add(form)
    session.flush()
    _log(session, actor, form, kinds.CREATED, f"Form {form.name} created")
    return form


def update_form(
    session: Session,
    *,
    actor: User,
    form: WebForm,
    data: FormUpdate,
    expected_version: int | None,
) -> WebForm:
    """Change the fields sent."""
    ensure_can_manage_forms(actor)
    ensure_version(form, expected_version)
    values = _clean(session, data, current=form)
    if data.name is not None:
        values["name"] = data.name.strip()
        _ensure_unique_name(session, values["name"], form.id)
    changes = apply_changes(form, values)
    if changes:
        session.flush()
        _log(
            session,
            actor,
            form,
            kinds.UPDATED,
            f"Changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return form


def rotate_token(session: Session, *, actor: User, form: WebForm) -> WebForm:
    """A new public token: the old snippet stops working (for a token that leaked into spam)."""
    ensure_can_manage_forms(actor)
    form.token = new_token()
    session.flush()
    _log(session, actor, form, kinds.UPDATED, "New public token")
    return form


def delete_form(session: Session, *, actor: User, form: WebForm) -> None:
    """Delete a form nobody submitted yet (otherwise deactivate it: submissions are history)."""
    ensure_can_manage_forms(actor)
    if session.scalar(select(exists().where(FormSubmission.form_id == form.id))):
        raise Conflict("the form has submissions; deactivate it instead")
    _log(session, actor, form, kinds.DELETED, f"Form {form.name} deleted")
    session.delete(form)
    session.flush()


def _clean(session: Session, data: FormFields, *, current: WebForm | None) -> dict[str, Any]:
    present = data.model_fields_set - {"name"}
    values: dict[str, Any] = {key: getattr(data, key) for key in present}
    if current is None:
        _ensure_unique_name(session, getattr(data, "name", "").strip(), None)
    if "fields" in values:
        if values["fields"] is None:
            raise ValidationFailed.on("fields", "a form needs its fields")
        values["fields"] = [field.as_dict() for field in check_fields(values["fields"])]
    if values.get("redirect_url"):
        try:
            values["redirect_url"] = check_url(values["redirect_url"])
        except ValidationFailed as error:
            raise ValidationFailed.on("redirect_url", error.details[0].message) from None
    elif "redirect_url" in values:
        values["redirect_url"] = None
    if "consent_text" in values:
        values["consent_text"] = (values["consent_text"] or "").strip() or None
    if "description" in values:
        values["description"] = values["description"] or ""
    for key in ("active", "limit_per_address", "limit_per_form"):
        if key in values and values[key] is None:
            raise ValidationFailed.on(key, "must not be empty")
    return values


def _ensure_unique_name(session: Session, name: str, form_id: int | None) -> None:
    query = select(WebForm.id).where(WebForm.name == name)
    if form_id is not None:
        query = query.where(WebForm.id != form_id)
    if session.scalar(query) is not None:
        raise Conflict(f"a form named {name!r} exists already")


def _log(
    session: Session,
    actor: User,
    form: WebForm,
    kind: str,
    summary: str,
    *,
    changes: dict[str, Any] | None = None,
) -> None:
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.FORM, form.id)],
        kind=kind,
        summary=summary,
        changes=changes,
    )
