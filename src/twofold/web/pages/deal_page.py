"""The deal page: details, stage history, buying-committee map, and the forms that change it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.accounts.memberships import account_members
from twofold.auth.directory import user_names
from twofold.core.enums import BuyingRole, ForecastCategory, RecordType, Sentiment
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal, move_deal_to_stage, update_deal
from twofold.deals.committee import add_stakeholder, buying_committee, deal_partners
from twofold.deals.schemas import DealUpdate, StakeholderCreate
from twofold.deals.stages import stage_history, unmet_criteria
from twofold.persons.actions import display_name, get_person
from twofold.pipelines.actions import get_pipeline, get_stage, pipeline_stages
from twofold.pipelines.criteria import describe_criterion
from twofold.store.models import Deal, User
from twofold.web.custom_fields import (
    custom_context,
    custom_fields,
    custom_form_values,
    custom_input,
)
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.pages.quotes import builder_context
from twofold.web.pages.shared import (
    RecordId,
    amount_text,
    as_text,
    expected_version,
    ids,
    owner_choices,
    see_other,
    timeline_view,
)
from twofold.web.templating import render

EDIT_FIELDS = (
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "forecast_category",
    "owner_id",
    "next_step",
    "source",
    "competitors",
)
STAKEHOLDER_FIELDS = ("person_id", "buying_role", "sentiment", "is_primary")
ROLES = [(role.value, role.value.replace("_", " ").capitalize()) for role in BuyingRole]
SENTIMENTS = [(item.value, item.value.capitalize()) for item in Sentiment]
CATEGORIES = [(item.value, item.value.replace("_", " ").capitalize()) for item in ForecastCategory]

router = APIRouter()


@dataclass
class DealForms:
    """The three forms of the deal page; the one that was just refused carries its problems."""

    edit: FormView
    stage: FormView
    stakeholder: FormView


@router.get("/deals/{deal_id}", include_in_schema=False)
def deal_page(request: Request, session: DbSession, user: WebUser, deal_id: RecordId) -> Response:
    """Everything about a deal."""
    deal = get_deal(session, deal_id)
    return _deal_page(request, session, deal, _fresh_forms(session, deal), user=user)


@router.post("/deals/{deal_id}", include_in_schema=False)
def update_deal_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, deal_id: RecordId
) -> Response:
    """Save the edit form."""
    deal = get_deal(session, deal_id)
    problems = FormProblems()
    with problems.capture(session):
        values = schema_input(form, EDIT_FIELDS, lists=("competitors",), keep_empty=True)
        values.update(custom_input(form, custom_fields(session, "deal")))
        update_deal(
            session,
            actor=user,
            deal=deal,
            data=DealUpdate.model_validate(values),
            expected_version=expected_version(form),
        )
    if problems:
        forms = _fresh_forms(session, deal)
        forms.edit = submitted(form, problems)
        return _deal_page(request, session, deal, forms, user=user, status_code=problems.status)
    return see_other(f"/deals/{deal.id}")


@router.post("/deals/{deal_id}/stage", include_in_schema=False)
def move_deal_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, deal_id: RecordId
) -> Response:
    """Move the deal to another stage; a failed stage gate is shown beside the form."""
    deal = get_deal(session, deal_id)
    problems = FormProblems()
    stage_id = parse_id(form_text(form, "stage_id"))
    if stage_id is None:
        problems.refuse("stage_id", "choose a stage")
    else:
        with problems.capture(session):
            lost_reason = form_text(form, "lost_reason").strip() or None
            move_deal_to_stage(
                session, actor=user, deal=deal, stage_id=stage_id, lost_reason=lost_reason
            )
    if problems:
        forms = _fresh_forms(session, deal)
        forms.stage = submitted(form, problems)
        return _deal_page(request, session, deal, forms, user=user, status_code=problems.status)
    return see_other(f"/deals/{deal.id}")


@router.post("/deals/{deal_id}/stakeholders", include_in_schema=False)
def add_stakeholder_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, deal_id: RecordId
) -> Response:
    """Put a person on the buying committee in a role."""
    deal = get_deal(session, deal_id)
    problems = FormProblems()
    with problems.capture(session):
        data = StakeholderCreate.model_validate(schema_input(form, STAKEHOLDER_FIELDS))
        add_stakeholder(session, actor=user, deal=deal, data=data)
    if problems:
        forms = _fresh_forms(session, deal)
        forms.stakeholder = submitted(form, problems)
        return _deal_page(request, session, deal, forms, user=user, status_code=problems.status)
    return see_other(f"/deals/{deal.id}#committee")


def _deal_page(
    request: Request,
    session: Session,
    deal: Deal,
    forms: DealForms,
    *,
    user: User,
    status_code: int = 200,
) -> Response:
    history = stage_history(session, deal.id)
    timeline = timeline_view(session, RecordType.DEAL, deal.id)
    stages = pipeline_stages(session, deal.pipeline_id)
    account = get_account(session, deal.account_id) if deal.account_id else None
    customer = get_person(session, deal.person_id) if deal.person_id else None
    actors = [deal.owner_id, *(visit.entered_by_id for visit, _stage in history)]
    context = {
        "deal": deal,
        "stage": get_stage(session, deal.stage_id),
        "pipeline": get_pipeline(session, deal.pipeline_id),
        "account": account,
        "customer": customer,
        "users": {**timeline.actors, **user_names(session, ids(actors))},
        "history": history,
        "now": utcnow(),
        "committee": buying_committee(session, deal.id),
        "partners": deal_partners(session, deal.id),
        "timeline": timeline,
        "stage_choices": [
            (stage, [describe_criterion(name) for name in unmet_criteria(session, deal, stage)])
            for stage in stages
        ],
        "people_choices": _people_choices(session, deal),
        "forms": forms,
        "owner_choices": owner_choices(session),
        "roles": ROLES,
        "sentiments": SENTIMENTS,
        "categories": CATEGORIES,
        **custom_context(custom_fields(session, "deal")),
        **builder_context(session, deal=deal, user=user),
    }
    return render(request, "deals/detail.html", context, status_code=status_code)


def _people_choices(session: Session, deal: Deal) -> list[tuple[str, str]]:
    """Who can join the committee: the customer, and the people currently at the account."""
    choices: dict[int, str] = {}
    if deal.person_id:
        choices[deal.person_id] = display_name(get_person(session, deal.person_id))
    if deal.account_id:
        for membership, person in account_members(session, deal.account_id):
            if membership.ended_on is None:
                title = f" — {membership.title}" if membership.title else ""
                choices[person.id] = display_name(person) + title
    return [(str(person_id), name) for person_id, name in choices.items()]


def _fresh_forms(session: Session, deal: Deal) -> DealForms:
    values = {name: as_text(getattr(deal, name)) for name in EDIT_FIELDS}
    values["amount"] = amount_text(deal.amount, deal.currency)
    values["probability"] = str(deal.probability) if deal.probability_overridden else ""
    values["forecast_category"] = (
        deal.forecast_category if deal.forecast_category_overridden else ""
    )
    values["competitors"] = ", ".join(deal.competitors)
    values["version"] = str(deal.version)
    values.update(custom_form_values(custom_fields(session, "deal"), deal.custom))
    return DealForms(
        edit=FormView(values=values),
        stage=FormView(values={"stage_id": str(deal.stage_id)}),
        stakeholder=FormView(values={"sentiment": Sentiment.UNKNOWN.value}),
    )
