"""Importing deals through the deal actions (stage gates, stage history, forecast totals):
upsert by external id; the account by external id or domain, or a person by email."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.csv_import import values
from twofold.csv_import.memberships import account_of, person_of
from twofold.csv_import.references import Directory
from twofold.csv_import.row_actions import Outcome
from twofold.csv_import.rows import Cells, CheckedRow
from twofold.csv_import.values import CellProblem
from twofold.deals.actions import create_deal, update_deal
from twofold.deals.schemas import DealCreate, DealUpdate
from twofold.pipelines.actions import default_pipeline
from twofold.store.models import Deal, Pipeline, Stage, User

PLAIN_FIELDS = ("currency", "expected_close_date", "source", "next_step", "owner_id")


def check_deal(row: CheckedRow, cells: Cells, directory: Directory) -> None:
    """Parse one deal row into ``row.values``."""
    row.parse(cells, "external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "name", lambda v: values.text(v, max_length=300))
    row.parse(cells, "account_external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "account_domain", lambda v: values.domains(v)[0])
    row.parse(cells, "person_email", lambda v: values.emails(v)[0])
    row.parse(cells, "pipeline", lambda v: values.text(v, max_length=200))
    row.parse(cells, "stage", lambda v: values.text(v, max_length=200))
    row.parse(cells, "amount", values.decimal)
    row.parse(cells, "currency", values.currency)
    row.parse(cells, "expected_close_date", values.iso_date)
    row.parse(cells, "source", lambda v: values.text(v, max_length=100))
    row.parse(cells, "next_step", lambda v: values.text(v, max_length=2000))
    row.parse(cells, "owner_email", directory.user_id)
    if "owner_email" in row.values:
        row.values["owner_id"] = row.values.pop("owner_email")
    if not row.values.get("name") and not row.problems:
        row.problem("name", "a deal needs a name")


def deal_action(session: Session, actor: User, directory: Directory) -> Any:
    """The action that writes one checked deal row."""

    def write(row: CheckedRow) -> Outcome:
        given = row.values
        fields: dict[str, Any] = {key: given[key] for key in PLAIN_FIELDS if key in given}
        if "amount" in given:
            fields["amount"] = str(given["amount"])
        if {"account_external_id", "account_domain"} & given.keys():
            fields["account_id"] = account_of(given, directory)
        if "person_email" in given:
            fields["person_id"] = person_of(given, directory)
        pipeline = _pipeline(session, given.get("pipeline"))
        if "pipeline" in given:
            fields["pipeline_id"] = pipeline.id
        if "stage" in given:
            fields["stage_id"] = _stage(session, pipeline, given["stage"])
        external = given.get("external_id")
        existing = (
            session.scalar(select(Deal).where(Deal.external_id == external)) if external else None
        )
        if existing is not None:
            data = DealUpdate(name=given["name"], **fields)
            update_deal(session, actor=actor, deal=existing, data=data)
            return "updated"
        deal = create_deal(session, actor=actor, data=DealCreate(name=given["name"], **fields))
        deal.external_id = external
        return "created"

    return write


def _pipeline(session: Session, name: str | None) -> Pipeline:
    if name is None:
        return default_pipeline(session)
    pipeline = session.scalar(select(Pipeline).where(func.lower(Pipeline.name) == name.lower()))
    if pipeline is None:
        raise CellProblem(f"no pipeline named {name!r}")
    return pipeline


def _stage(session: Session, pipeline: Pipeline, name: str) -> int:
    stage_id = session.scalar(
        select(Stage.id).where(
            Stage.pipeline_id == pipeline.id, func.lower(Stage.name) == name.lower()
        )
    )
    if stage_id is None:
        raise ValidationFailed.on("stage", f"no stage named {name!r} in {pipeline.name}")
    return stage_id
