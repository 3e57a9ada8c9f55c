"""The person page's data actions: export everything as JSON, erase (with confirmation) and
merge another person into this one. Erase and merge span both databases and open their own
transactions (``OwnTransactionFormUser``)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from twofold.core.errors import Conflict, ValidationFailed
from twofold.persons.actions import display_name, get_person
from twofold.persons.erasure import erase_person
from twofold.persons.export import export_person
from twofold.persons.merge import merge_persons
from twofold.persons.stores import PersonStores
from twofold.web.dependencies import (
    OwnTransactionFormUser,
    SubmittedForm,
    WebUser,
    form_text,
)
from twofold.web.forms import FormProblems, FormView, parse_id, submitted
from twofold.web.pages.people import person_page_response
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import SECURITY_HEADERS, render

router = APIRouter()
ERASE_CONFIRMATION = "erase"


def stores_of(request: Request) -> PersonStores:
    """Both databases of the running app."""
    return ingestion_of(request).person_stores


@router.get("/people/{person_id}/export", include_in_schema=False)
def export_download(request: Request, user: WebUser, person_id: RecordId) -> Response:
    """Everything about the person as a JSON file (admins and marketers)."""
    document = export_person(stores_of(request), actor=user, person_id=person_id)
    return Response(
        orjson.dumps(document, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="person-{person_id}.json"',
        },
    )


@router.post("/people/{person_id}/erase", include_in_schema=False)
def erase_from_page(
    request: Request, user: OwnTransactionFormUser, form: SubmittedForm, person_id: RecordId
) -> Response:
    """Erase the person once the box confirming it is ticked; then show what was removed."""
    if form_text(form, "confirm") != ERASE_CONFIRMATION:
        problems = FormProblems()
        problems.refuse("confirm", "tick the box to confirm that this cannot be undone")
        return _page_again(request, person_id, erase_form=submitted(form, problems))
    with stores_of(request).database.transaction(write=False) as session:
        name = display_name(get_person(session, person_id))
    report = erase_person(stores_of(request), actor=user, person_id=person_id)
    return render(request, "people/erased.html", {"report": report, "name": name})


@router.post("/people/{person_id}/merge", include_in_schema=False)
def merge_from_page(
    request: Request, user: OwnTransactionFormUser, form: SubmittedForm, person_id: RecordId
) -> Response:
    """Merge the chosen person into this one, then show this person."""
    problems = FormProblems()
    other = parse_id(form_text(form, "from_person_id"))
    if other is None:
        problems.refuse("from_person_id", "choose the person to merge into this one")
        return _page_again(request, person_id, merge_form=submitted(form, problems))
    try:
        merge_persons(stores_of(request), actor=user, into_id=person_id, from_id=other)
    except (ValidationFailed, Conflict) as error:
        problems.record_domain(error)
        if not error.details:
            problems.add("from_person_id", error.message)
        return _page_again(
            request, person_id, merge_form=submitted(form, problems), status_code=error.status
        )
    return see_other(f"/people/{person_id}")


def _page_again(
    request: Request,
    person_id: int,
    *,
    merge_form: FormView | None = None,
    erase_form: FormView | None = None,
    status_code: int = 422,
) -> Response:
    with stores_of(request).database.transaction(write=False) as session:
        person = get_person(session, person_id)
        return person_page_response(
            request,
            session,
            person,
            merge_form=merge_form,
            erase_form=erase_form,
            status_code=status_code,
        )
