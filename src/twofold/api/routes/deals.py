"""/api/v1/deals: CRUD, stage moves, buying committee, partners, history, timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import SEARCH_HELP, CustomFilters, Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.records import (
    DealOut,
    PartnerOut,
    RoleCoverageOut,
    StageVisitOut,
    StakeholderOut,
)
from twofold.core.enums import ForecastCategory, RecordType, StageKind
from twofold.core.time import utcnow
from twofold.deals import actions, committee
from twofold.deals.queries import DealFilters, list_deals
from twofold.deals.schemas import (
    DealCreate,
    DealUpdate,
    PartnerCreate,
    StakeholderCreate,
    StakeholderUpdate,
)
from twofold.deals.stages import stage_history
from twofold.store.models import Deal, Stage
from twofold.timeline.entries import read_timeline

router = APIRouter(prefix="/deals", tags=["deals"])


def deals_out(session: Session, deals: list[Deal]) -> list[DealOut]:
    """Render deals with their status (one query for all their stages)."""
    stage_ids = {deal.stage_id for deal in deals}
    query = select(Stage.id, Stage.kind).where(Stage.id.in_(stage_ids))
    kinds: dict[int, str] = dict(session.execute(query).all())
    return [DealOut.of(deal, status=kinds[deal.stage_id]) for deal in deals]


def deal_out(session: Session, deal: Deal, response: Response | None = None) -> DealOut:
    """Render one deal (and set its ETag)."""
    if response is not None:
        set_etag(response, deal.version)
    return deals_out(session, [deal])[0]


def deal_filters(
    custom: CustomFilters,
    search: Annotated[
        str | None, Query(description=SEARCH_HELP.format(fields="the deal name"))
    ] = None,
    owner_id: int | None = None,
    account_id: int | None = None,
    person_id: int | None = None,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    status: StageKind | None = None,
    forecast_category: ForecastCategory | None = None,
    close_after: date | None = None,
    close_before: date | None = None,
    updated_since: datetime | None = None,
) -> DealFilters:
    """The list filters, from the query string (the list and its CSV export share them)."""
    return DealFilters(
        search=search,
        owner_id=owner_id,
        account_id=account_id,
        person_id=person_id,
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        status=status.value if status else None,
        forecast_category=forecast_category.value if forecast_category else None,
        close_after=close_after,
        close_before=close_before,
        updated_since=updated_since,
        custom=custom,
    )


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    filters: Annotated[DealFilters, Depends(deal_filters)],
) -> ListOut[DealOut]:
    """Deals, filtered and searched, one page at a time."""
    page = list_deals(session, filters=filters, page=paging)
    return ListOut(items=deals_out(session, page.items), next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(data: DealCreate, session: DbSession, user: ApiUser, response: Response) -> DealOut:
    """Create a deal in its pipeline's first stage, or in ``stage_id`` if its gate passes."""
    return deal_out(session, actions.create_deal(session, actor=user, data=data), response)


@router.get("/{deal_id}")
def read(deal_id: int, session: DbSession, response: Response) -> DealOut:
    """One deal; the ``ETag`` header carries its version."""
    return deal_out(session, actions.get_deal(session, deal_id), response)


@router.patch("/{deal_id}")
def update(
    deal_id: int,
    data: DealUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> DealOut:
    """Change the fields sent; a new ``stage_id`` must pass the stage's entry criteria."""
    deal = actions.get_deal(session, deal_id)
    actions.update_deal(
        session, actor=user, deal=deal, data=data, expected_version=expected_version
    )
    return deal_out(session, deal, response)


@router.delete("/{deal_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(
    deal_id: int, session: DbSession, user: ApiUser, expected_version: ExpectedVersion
) -> None:
    """Delete a deal."""
    deal = actions.get_deal(session, deal_id)
    actions.delete_deal(session, actor=user, deal=deal, expected_version=expected_version)


@router.get("/{deal_id}/stage-history")
def history(deal_id: int, session: DbSession) -> list[StageVisitOut]:
    """Every stage the deal has been in, with time in stage."""
    actions.get_deal(session, deal_id)
    now = utcnow()
    return [
        StageVisitOut(
            stage_id=stage.id,
            stage_name=stage.name,
            entered_at=visit.entered_at,
            left_at=visit.left_at,
            entered_by_id=visit.entered_by_id,
            left_by_id=visit.left_by_id,
            days_in_stage=round(
                ((visit.left_at or now) - visit.entered_at).total_seconds() / 86400, 2
            ),
        )
        for visit, stage in stage_history(session, deal_id)
    ]


@router.get("/{deal_id}/committee")
def buying_committee(deal_id: int, session: DbSession) -> list[RoleCoverageOut]:
    """The buying-committee map: each key role covered (by whom) or missing."""
    actions.get_deal(session, deal_id)
    return [
        RoleCoverageOut(
            role=item.role,
            label=item.label,
            key=item.key,
            covered=item.covered,
            person_ids=[person.id for _s, person in item.people],
            sentiments=[stakeholder.sentiment for stakeholder, _p in item.people],
        )
        for item in committee.buying_committee(session, deal_id)
    ]


@router.get("/{deal_id}/stakeholders")
def stakeholders(deal_id: int, session: DbSession) -> list[StakeholderOut]:
    """The people on the deal, primary first."""
    actions.get_deal(session, deal_id)
    return [
        StakeholderOut.model_validate(s) for s, _p in committee.deal_stakeholders(session, deal_id)
    ]


@router.post("/{deal_id}/stakeholders", status_code=status.HTTP_201_CREATED)
def add_stakeholder(
    deal_id: int, data: StakeholderCreate, session: DbSession, user: ApiUser
) -> StakeholderOut:
    """Put a person on the buying committee in a role."""
    deal = actions.get_deal(session, deal_id)
    return StakeholderOut.model_validate(
        committee.add_stakeholder(session, actor=user, deal=deal, data=data)
    )


@router.patch("/{deal_id}/stakeholders/{stakeholder_id}")
def update_stakeholder(
    deal_id: int, stakeholder_id: int, data: StakeholderUpdate, session: DbSession, user: ApiUser
) -> StakeholderOut:
    """Change a stakeholder's sentiment or make them primary."""
    deal = actions.get_deal(session, deal_id)
    return StakeholderOut.model_validate(
        committee.update_stakeholder(
            session, actor=user, deal=deal, stakeholder_id=stakeholder_id, data=data
        )
    )


@router.delete("/{deal_id}/stakeholders/{stakeholder_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_stakeholder(
    deal_id: int, stakeholder_id: int, session: DbSession, user: ApiUser
) -> None:
    """Take a person off the committee."""
    deal = actions.get_deal(session, deal_id)
    committee.remove_stakeholder(session, actor=user, deal=deal, stakeholder_id=stakeholder_id)


@router.get("/{deal_id}/partners")
def partners(deal_id: int, session: DbSession) -> list[PartnerOut]:
    """Channel partners on the deal."""
    actions.get_deal(session, deal_id)
    return [PartnerOut.model_validate(p) for p, _a in committee.deal_partners(session, deal_id)]


@router.post("/{deal_id}/partners", status_code=status.HTTP_201_CREATED)
def add_partner(deal_id: int, data: PartnerCreate, session: DbSession, user: ApiUser) -> PartnerOut:
    """Attach a partner account (reseller, VAR, installer, referrer, distributor)."""
    deal = actions.get_deal(session, deal_id)
    return PartnerOut.model_validate(
        committee.add_partner(session, actor=user, deal=deal, data=data)
    )


@router.delete("/{deal_id}/partners/{partner_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_partner(deal_id: int, partner_id: int, session: DbSession, user: ApiUser) -> None:
    """Detach a partner."""
    deal = actions.get_deal(session, deal_id)
    committee.remove_partner(session, actor=user, deal=deal, partner_id=partner_id)


@router.get("/{deal_id}/timeline")
def timeline(
    deal_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The deal's history, newest first."""
    actions.get_deal(session, deal_id)
    entries = read_timeline(
        session, record=(RecordType.DEAL, deal_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
