"""Moving deals through stages: gates, probabilities, closing, and stage history."""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType, StageKind
from twofold.core.errors import FieldProblem, StageGateFailed, ValidationFailed
from twofold.core.time import utcnow
from twofold.pipelines.criteria import CUSTOM_PREFIX, ROLE_PREFIX, describe_criterion
from twofold.store.models import Deal, DealStageVisit, DealStakeholder, Stage, User
from twofold.timeline import kinds
from twofold.timeline.entries import RecordRef, append_to_timelines


def deal_records(deal: Deal) -> list[RecordRef]:
    """The deal and the account or person it is on: whose timelines a deal change touches."""
    records: list[RecordRef] = [(RecordType.DEAL, deal.id)]
    if deal.account_id is not None:
        records.append((RecordType.ACCOUNT, deal.account_id))
    if deal.person_id is not None:
        records.append((RecordType.PERSON, deal.person_id))
    return records


def unmet_criteria(
    session: Session, deal: Deal, stage: Stage, *, criteria: list[str] | None = None
) -> list[str]:
    """The entry criteria of ``stage`` (or the ``criteria`` given) that ``deal`` misses."""
    missing: list[str] = []
    for name in stage.entry_criteria if criteria is None else criteria:
        if name == "stakeholders":
            met = bool(deal.id) and bool(
                session.scalar(select(exists().where(DealStakeholder.deal_id == deal.id)))
            )
        elif name.startswith(ROLE_PREFIX):
            role = name.removeprefix(ROLE_PREFIX)
            met = bool(deal.id) and bool(
                session.scalar(
                    select(
                        exists().where(
                            DealStakeholder.deal_id == deal.id, DealStakeholder.buying_role == role
                        )
                    )
                )
            )
        elif name.startswith(CUSTOM_PREFIX):
            met = deal.custom.get(name.removeprefix(CUSTOM_PREFIX)) not in (None, "", [])
        else:
            met = getattr(deal, name, None) not in (None, "", [])
        if not met:
            missing.append(name)
    return missing


def check_stage_gate(
    session: Session, deal: Deal, stage: Stage, *, leaving: Stage | None = None
) -> None:
    """Raise ``StageGateFailed`` listing every criterion the deal misses for ``stage``.

    Moving forward (to a later stage of the same pipeline) also requires the exit criteria of
    the stage being left; moving back does not.
    """
    missing = unmet_criteria(session, deal, stage)
    if (
        leaving is not None
        and leaving.pipeline_id == stage.pipeline_id
        and stage.position > leaving.position
    ):
        missing += [
            name
            for name in unmet_criteria(session, deal, leaving, criteria=leaving.exit_criteria)
            if name not in missing
        ]
    if stage.kind == StageKind.LOST and not deal.lost_reason:
        missing.append("lost_reason")
    if missing:
        wording = ", ".join(describe_criterion(name) for name in missing)
        raise StageGateFailed(
            f"cannot enter {stage.name}: it requires {wording}",
            details=[FieldProblem(name, f"required to enter {stage.name}") for name in missing],
        )


def enter_stage(session: Session, *, actor: User | None, deal: Deal, stage: Stage) -> None:
    """Put a deal in ``stage`` after its gate passed: history, probability, closing, timeline."""
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationFailed.on("stage_id", f"stage {stage.id} is not in the deal's pipeline")
    previous_stage_id = deal.stage_id
    now = utcnow()
    if deal.id is not None:
        session.execute(
            update(DealStageVisit)
            .where(DealStageVisit.deal_id == deal.id, DealStageVisit.left_at.is_(None))
            .values(left_at=now, left_by_id=actor.id if actor else None)
        )
    deal.stage_id = stage.id
    deal.stage_entered_at = now
    if stage.kind != StageKind.OPEN:
        # A closed deal is certain: overrides belong to open deals only.
        deal.probability_overridden = False
        deal.forecast_category_overridden = False
    if not deal.probability_overridden:
        deal.probability = stage.probability
    if not deal.forecast_category_overridden:
        deal.forecast_category = stage.forecast_category
    deal.closed_at = now if stage.kind != StageKind.OPEN else None
    if stage.kind != StageKind.LOST:
        deal.lost_reason = None
    session.flush()
    session.add(
        DealStageVisit(
            deal_id=deal.id,
            stage_id=stage.id,
            entered_at=now,
            entered_by_id=actor.id if actor else None,
        )
    )
    if previous_stage_id is not None and previous_stage_id != stage.id:
        before = session.get(Stage, previous_stage_id)
        append_to_timelines(
            session,
            actor=actor,
            records=deal_records(deal),
            kind=kinds.STAGE_CHANGED,
            summary=f"{deal.name}: moved from {before.name if before else '?'} to {stage.name}",
            changes={"stage_id": {"before": previous_stage_id, "after": stage.id}},
        )


def stage_history(session: Session, deal_id: int) -> list[tuple[DealStageVisit, Stage]]:
    """Every stay of the deal in a stage, oldest first."""
    query = (
        select(DealStageVisit, Stage)
        .join(Stage, Stage.id == DealStageVisit.stage_id)
        .where(DealStageVisit.deal_id == deal_id)
        .order_by(DealStageVisit.entered_at, DealStageVisit.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]
