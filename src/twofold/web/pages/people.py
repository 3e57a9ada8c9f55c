"""People: the searchable list, the person page, and the create and edit forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.accounts.memberships import person_accounts
from twofold.api.dependencies import AppSettings
from twofold.auth.directory import user_names
from twofold.core.enums import LifecycleStage, RecordType
from twofold.deals.participation import person_deals
from twofold.persons.actions import create_person, get_person, update_person
from twofold.persons.lookups import person_choices
from twofold.persons.queries import PersonFilters, list_persons
from twofold.persons.schemas import PersonCreate, PersonUpdate
from twofold.store.listing import PageRequest
from twofold.store.models import Person
from twofold.web.custom_fields import (
    CustomField,
    custom_context,
    custom_fields,
    custom_form_values,
    custom_input,
)
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.list_views import list_view, load_page, remember_columns
from twofold.web.pages.person_profile import profile_view
from twofold.web.pages.sequences import person_sequences
from twofold.web.pages.shared import (
    PAGE_SIZE,
    OptionalId,
    RecordId,
    as_text,
    expected_version,
    owner_choices,
    see_other,
    timeline_view,
)
from twofold.web.templating import render

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "emails",
    "phones",
    "phone_region",
    "title",
    "owner_id",
    "lifecycle_stage",
)
LIST_FIELDS = ("emails", "phones")
LIFECYCLE_STAGES = [
    (stage.value, stage.value.upper() if len(stage.value) == 3 else stage.value.capitalize())
    for stage in LifecycleStage
]

router = APIRouter()


@router.get("/people", include_in_schema=False)
def people_list(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    _user: WebUser,
    q: str = "",
    cursor: str | None = None,
    account_id: OptionalId = None,
) -> Response:
    """People by last name, filtered by a substring of the name or an email, by account and by
    custom fields, with the chosen custom fields as columns; cursor-paginated."""
    account = get_account(session, account_id) if account_id is not None else None
    view = list_view(request, session, "person", kept={"q": q, "account_id": as_text(account_id)})
    view, page, status = load_page(
        view,
        lambda: list_persons(
            session,
            filters=PersonFilters(
                search=q.strip() or None, account_id=account_id, custom=view.filters
            ),
            page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
        ),
    )
    owners = user_names(session, (person.owner_id for person in page.items))
    context = {"page": page, "query": q, "owners": owners, "view": view, "account": account}
    response = render(request, "people/list.html", context, status_code=status)
    return remember_columns(response, view, secure=settings.secure_cookies)


@router.get("/people/choices", include_in_schema=False)
def person_options(
    request: Request,
    session: DbSession,
    _user: WebUser,
    picker_query: str = "",
    selected: str = "",
) -> Response:
    """``<option>``s of the persons matching what was typed into a person picker."""
    choices = person_choices(session, search=picker_query)
    return render(request, "options.html", {"choices": choices, "selected": parse_id(selected)})


@router.get("/people/new", include_in_schema=False)
def new_person_page(request: Request, session: DbSession, user: WebUser) -> Response:
    """The form for a new person."""
    form = FormView(values={"owner_id": str(user.id), "lifecycle_stage": LifecycleStage.LEAD.value})
    return _new_person_form(request, session, form)


@router.post("/people", include_in_schema=False)
def create_person_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Create the person, or show the form again with what was wrong."""
    problems = FormProblems()
    created: Person | None = None
    with problems.capture(session):
        values = schema_input(form, PERSON_FIELDS, lists=LIST_FIELDS)
        values.update(custom_input(form, custom_fields(session, "person")))
        data = PersonCreate.model_validate(values)
        created = create_person(session, actor=user, data=data)
    if created is None:
        return _new_person_form(
            request, session, submitted(form, problems), status_code=problems.status
        )
    return see_other(f"/people/{created.id}")


@router.get("/people/{person_id}", include_in_schema=False)
def person_page(
    request: Request, session: DbSession, _user: WebUser, person_id: RecordId
) -> Response:
    """A person: contact points, accounts, the deals they are on, and their timeline."""
    return person_page_response(request, session, get_person(session, person_id))


@router.post("/people/{person_id}", include_in_schema=False)
def update_person_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    person_id: RecordId,
) -> Response:
    """Save the edit form; a refusal shows the page again with the form open and marked."""
    person = get_person(session, person_id)
    problems = FormProblems()
    with problems.capture(session):
        values = schema_input(form, PERSON_FIELDS, lists=LIST_FIELDS, keep_empty=True)
        values.update(custom_input(form, custom_fields(session, "person")))
        update_person(
            session,
            actor=user,
            person=person,
            data=PersonUpdate.model_validate(values),
            expected_version=expected_version(form),
        )
    if problems:
        return person_page_response(
            request,
            session,
            person,
            edit_form=submitted(form, problems),
            status_code=problems.status,
        )
    return see_other(f"/people/{person.id}")


def _new_person_form(
    request: Request, session: Session, form: FormView, *, status_code: int = 200
) -> Response:
    context = {
        "form": form,
        "owner_choices": owner_choices(session),
        "lifecycle_stages": LIFECYCLE_STAGES,
        **custom_context(custom_fields(session, "person")),
    }
    return render(request, "people/new.html", context, status_code=status_code)


def person_page_response(
    request: Request,
    session: Session,
    person: Person,
    *,
    edit_form: FormView | None = None,
    merge_form: FormView | None = None,
    erase_form: FormView | None = None,
    status_code: int = 200,
) -> Response:
    """The person page: B2B (accounts, deals, timeline), B2C (identities, traits, events)
    and the forms (edit, merge, erase), each showing its problems when it was refused."""
    deals = person_deals(session, person.id)
    fields = custom_fields(session, "person")
    context = {
        "person": person,
        "users": user_names(session, [person.owner_id, *(item.deal.owner_id for item in deals)]),
        "memberships": person_accounts(session, person.id),
        "deals": deals,
        "timeline": timeline_view(session, RecordType.PERSON, person.id),
        "edit_form": edit_form or _edit_values(person, fields),
        "merge_form": merge_form or FormView(),
        "erase_form": erase_form or FormView(),
        "merge_choices": [
            (str(other), label) for other, label in person_choices(session) if other != person.id
        ],
        "profile": profile_view(request, session, person),
        "sequences": person_sequences(session, person),
        "owner_choices": owner_choices(session),
        "lifecycle_stages": LIFECYCLE_STAGES,
        **custom_context(fields),
    }
    return render(request, "people/detail.html", context, status_code=status_code)


def _edit_values(person: Person, fields: list[CustomField]) -> FormView:
    values = {name: as_text(getattr(person, name, None)) for name in PERSON_FIELDS}
    values["version"] = str(person.version)
    values.update(custom_form_values(fields, person.custom))
    return FormView(values=values)
