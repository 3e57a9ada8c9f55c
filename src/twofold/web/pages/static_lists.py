"""Static lists in the UI: every list with its size and a form for a new one; a list's page
with its members, a form to add people by id and a button to take each one off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.lists import actions
from twofold.lists.actions import ListCreate
from twofold.lists.queries import list_members
from twofold.persons.actions import display_name
from twofold.store.listing import PageRequest
from twofold.store.models import StaticList
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()


@router.get("/lists", include_in_schema=False)
def lists_page(request: Request, session: DbSession, user: WebUser) -> Response:
    del user
    return _lists(request, session, FormView(values={}))


@router.post("/lists", include_in_schema=False)
def create_list_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    problems = FormProblems()
    created: StaticList | None = None
    with problems.capture(session):
        data = ListCreate(name=form_text(form, "name"), description=form_text(form, "description"))
        created = actions.create_list(session, actor=user, data=data)
    if created is None:
        return _lists(request, session, submitted(form, problems), status_code=problems.status)
    return see_other(f"/lists/{created.id}")


@router.get("/lists/{list_id}", include_in_schema=False)
def list_page(request: Request, session: DbSession, user: WebUser, list_id: RecordId) -> Response:
    del user
    return _list(request, session, actions.get_list(session, list_id), FormView(values={}))


@router.post("/lists/{list_id}/members", include_in_schema=False)
def change_members_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    list_id: RecordId,
) -> Response:
    found = actions.get_list(session, list_id)
    problems = FormProblems()
    with problems.capture(session):
        people = _person_ids(form_text(form, "person_ids"))
        if form_text(form, "action") == "remove":
            actions.remove_people(session, actor=user, found=found, person_ids=people)
        else:
            actions.add_people(session, actor=user, found=found, person_ids=people, source="web")
    if problems:
        context_form = submitted(form, problems)
        return _list(request, session, found, context_form, status_code=problems.status)
    return see_other(f"/lists/{found.id}")


def _person_ids(text: str) -> list[int]:
    parts = [part for part in text.replace(",", " ").split() if part]
    if not parts or not all(part.isdigit() and len(part) < 19 for part in parts):
        raise ValidationFailed.on("person_ids", "write person ids separated by spaces or commas")
    return [int(part) for part in parts]


def _lists(
    request: Request, session: Session, form: FormView, *, status_code: int = 200
) -> Response:
    rows = actions.all_lists(session)
    return render(request, "lists/list.html", {"rows": rows, "form": form}, status_code=status_code)


def _list(
    request: Request, session: Session, found: StaticList, form: FormView, *, status_code: int = 200
) -> Response:
    page = list_members(session, found=found, page=PageRequest(limit=200))
    members = [
        {"member": member, "name": display_name(person), "email": person.primary_email}
        for member, person in page.items
    ]
    context = {
        "list": found,
        "members": members,
        "count": actions.member_count(session, found.id),
        "form": form,
    }
    return render(request, "lists/page.html", context, status_code=status_code)
