"""The verbs that create, change, move and delete deals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.core.enums import StageKind
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.money import parse_amount, parse_currency
from twofold.core.text import search_text
from twofold.customfields.definitions import validate_custom_values
from twofold.deals.schemas import DealCreate, DealFields, DealUpdate
from twofold.deals.stages import check_stage_gate, deal_records, enter_stage
from twofold.persons.actions import get_person
from twofold.pipelines.actions import default_pipeline, get_pipeline, get_stage, pipeline_stages
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Deal, DealLineItem, Pipeline, Stage, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines, field_changes

DEFAULT_CURRENCY = "USD"


def get_deal(session: Session, deal_id: int) -> Deal:
    """The deal with this id, or ``NotFound``."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"no deal {deal_id}")
    return deal


def create_deal(session: Session, *, actor: User, data: DealCreate) -> Deal:
    """Add a deal in its pipeline's first stage (or the stage given, if its gate passes)."""
    ensure_can_write(actor)
    values = _clean_fields(session, data, current=None)
    if values.get("account_id") is None and values.get("person_id") is None:
        raise ValidationFailed.on("account_id", "a deal needs an account_id or a person_id")
    pipeline_id = values.pop("pipeline_id", None)
    pipeline = (
        get_pipeline_field(session, pipeline_id)
        if pipeline_id is not None
        else default_pipeline(session)
    )
    stage = _initial_stage(session, pipeline.id, values.pop("stage_id", None))
    values.setdefault("owner_id", actor.id)
    values.setdefault("currency", DEFAULT_CURRENCY)
    ensure_can_assign(actor, values["owner_id"])
    defaults: dict[str, Any] = {
        "competitors": [],
        "custom": {},
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
    }
    deal = Deal(name=data.name, pipeline_id=pipeline.id, **{**defaults, **values})
    deal.search_text = search_text(deal.name)
    check_stage_gate(session, deal, stage)
    session.add(deal)
    enter_stage(session, actor=actor, deal=deal, stage=stage)
    append_to_timelines(
        session,
        actor=actor,
        records=deal_records(deal),
        kind=kinds.CREATED,
        summary=f"Deal {deal.name} created in {stage.name}",
    )
    return deal


def update_deal(
    session: Session,
    *,
    actor: User,
    deal: Deal,
    data: DealUpdate,
    expected_version: int | None = None,
) -> Deal:
    """Apply the fields present; a new stage (or pipeline) goes through the stage gates."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    ensure_version(deal, expected_version)
    values = _clean_fields(session, data, current=deal)
    _ensure_line_items_agree(session, deal, values)
    if "name" in data.model_fields_set and data.name:
        values["name"] = data.name
    if "owner_id" in values:
        ensure_can_assign(actor, values["owner_id"])
    if "account_id" in values or "person_id" in values:
        account_id = values.get("account_id", deal.account_id)
        if account_id is None and values.get("person_id", deal.person_id) is None:
            raise ValidationFailed.on("account_id", "a deal needs an account_id or a person_id")
    before = _snapshot(deal)
    records_before = deal_records(deal)
    current = session.get(Stage, deal.stage_id)
    target = _target_stage(session, deal, values)
    apply_changes(deal, values)
    if target is not None and target.id != deal.stage_id:
        check_stage_gate(session, deal, target, leaving=current)
        enter_stage(session, actor=actor, deal=deal, stage=target)
    elif target is not None and target.kind == StageKind.LOST:
        check_stage_gate(session, deal, target)
    _follow_stage_defaults(session, deal)
    changes = field_changes(before, _snapshot(deal))
    changes.pop("stage_id", None)  # a stage move has its own timeline entry
    if changes:
        deal.search_text = search_text(deal.name)
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[*records_before, *deal_records(deal)],
            kind=kinds.UPDATED,
            summary=f"{deal.name}: changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return deal


def _ensure_line_items_agree(session: Session, deal: Deal, values: dict[str, Any]) -> None:
    """A deal with line items keeps their currency, and its amount follows them (decision 0019)."""
    if "currency" not in values and "amount" not in values:
        return
    if (
        session.scalar(select(DealLineItem.id).where(DealLineItem.deal_id == deal.id).limit(1))
        is None
    ):
        return
    if values.get("currency", deal.currency) != deal.currency:
        raise ValidationFailed.on(
            "currency", "the deal has line items in its currency: remove them first"
        )
    if "amount" in values and values["amount"] != deal.amount:
        raise ValidationFailed.on("amount", "the amount follows the deal's line items")


def move_deal_to_stage(
    session: Session,
    *,
    actor: User,
    deal: Deal,
    stage_id: int,
    lost_reason: str | None = None,
    expected_version: int | None = None,
) -> Deal:
    """Move a deal to another stage of its pipeline (the pipeline board's drag and drop)."""
    data = DealUpdate(stage_id=stage_id)
    if lost_reason is not None:
        data = DealUpdate(stage_id=stage_id, lost_reason=lost_reason)
    return update_deal(
        session, actor=actor, deal=deal, data=data, expected_version=expected_version
    )


def delete_deal(
    session: Session, *, actor: User, deal: Deal, expected_version: int | None = None
) -> None:
    """Delete a deal with its stakeholders, partners and stage history (timeline kept)."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    ensure_version(deal, expected_version)
    append_to_timelines(
        session,
        actor=actor,
        records=deal_records(deal),
        kind=kinds.DELETED,
        summary=f"Deal {deal.name} deleted",
    )
    session.delete(deal)
    session.flush()


TRACKED_FIELDS = (
    "name",
    "account_id",
    "person_id",
    "pipeline_id",
    "stage_id",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "probability_overridden",
    "forecast_category",
    "forecast_category_overridden",
    "owner_id",
    "source",
    "next_step",
    "lost_reason",
    "competitors",
    "custom",
)


def _snapshot(deal: Deal) -> dict[str, Any]:
    """The values a timeline entry compares before and after a change."""
    return {name: getattr(deal, name) for name in TRACKED_FIELDS}


def _follow_stage_defaults(session: Session, deal: Deal) -> None:
    """Without an override, probability and forecast category are the stage's."""
    stage = session.get(Stage, deal.stage_id)
    if stage is None:
        return
    if stage.kind != StageKind.OPEN and (
        deal.probability_overridden or deal.forecast_category_overridden
    ):
        raise ValidationFailed.on(
            "probability", f"a deal in {stage.name} takes the stage's probability and category"
        )
    if not deal.probability_overridden:
        deal.probability = stage.probability
    if not deal.forecast_category_overridden:
        deal.forecast_category = stage.forecast_category


def get_pipeline_field(session: Session, pipeline_id: int) -> Pipeline:
    """The pipeline named by a ``pipeline_id`` field (unknown ids are a validation error)."""
    try:
        return get_pipeline(session, pipeline_id)
    except NotFound:
        raise ValidationFailed.on("pipeline_id", f"no pipeline {pipeline_id}") from None


def _initial_stage(session: Session, pipeline_id: int, stage_id: int | None) -> Stage:
    if stage_id is None:
        stages = pipeline_stages(session, pipeline_id)
        if not stages:
            raise ValidationFailed.on("pipeline_id", "the pipeline has no stages")
        return stages[0]
    return _stage_field(session, stage_id, pipeline_id)


def _stage_field(session: Session, stage_id: int, pipeline_id: int) -> Stage:
    try:
        stage = get_stage(session, stage_id)
    except NotFound:
        raise ValidationFailed.on("stage_id", f"no stage {stage_id}") from None
    if stage.pipeline_id != pipeline_id:
        raise ValidationFailed.on("stage_id", f"stage {stage_id} is not in pipeline {pipeline_id}")
    return stage


def _target_stage(session: Session, deal: Deal, values: dict[str, Any]) -> Stage | None:
    """The stage a PATCH asks for; changing pipeline without a stage picks its first stage."""
    pipeline_id = values.pop("pipeline_id", None)
    stage_id = values.pop("stage_id", None)
    if pipeline_id is not None and pipeline_id != deal.pipeline_id:
        get_pipeline_field(session, pipeline_id)
        stage = _initial_stage(session, pipeline_id, stage_id)
        deal.pipeline_id = pipeline_id
        return stage
    if stage_id is None:
        return session.get(Stage, deal.stage_id) if "lost_reason" in values else None
    return _stage_field(session, stage_id, deal.pipeline_id)


def _clean_fields(session: Session, data: DealFields, *, current: Deal | None) -> dict[str, Any]:
    present = data.model_fields_set
    values: dict[str, Any] = {key: getattr(data, key) for key in present if key != "name"}
    _clean_money(values, current)
    if "probability" in values:
        values["probability_overridden"] = values["probability"] is not None
        if values["probability"] is None:
            values.pop("probability")
    if "forecast_category" in values:
        category = values.pop("forecast_category")
        values["forecast_category_overridden"] = category is not None
        if category is not None:
            values["forecast_category"] = category.value
    if "competitors" in values:
        values["competitors"] = list(dict.fromkeys(c.strip() for c in values["competitors"] or []))
    _check_references(session, values)
    if "custom" in values or current is None:
        values["custom"] = validate_custom_values(
            session,
            entity="deal",
            values=values.get("custom") or {},
            current=current.custom if current else None,
        )
    return values


def _clean_money(values: dict[str, Any], current: Deal | None) -> None:
    if "currency" in values:
        if values["currency"] is None:
            raise ValidationFailed.on("currency", "must not be empty")
        values["currency"] = parse_currency(values["currency"])
    currency = values.get("currency") or (current.currency if current else DEFAULT_CURRENCY)
    if values.get("amount") is not None:
        values["amount"] = parse_amount(values["amount"], currency)
    elif "currency" in values and current is not None and current.amount is not None:
        values["amount"] = parse_amount(str(current.amount.normalize()), currency)


def _check_references(session: Session, values: dict[str, Any]) -> None:
    for field, getter in (("account_id", get_account), ("person_id", get_person)):
        if values.get(field) is not None:
            try:
                getter(session, values[field])
            except NotFound as error:
                raise ValidationFailed.on(field, error.message) from None
    if values.get("owner_id") is not None and session.get(User, values["owner_id"]) is None:
        raise ValidationFailed.on("owner_id", f"no user {values['owner_id']}")
