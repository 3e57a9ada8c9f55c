"""The deals a person takes part in: as a stakeholder on the committee or as the customer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from twofold.store.models import Deal, DealStakeholder, Stage

MAX_DEALS = 200


@dataclass
class PersonOnDeal:
    """One deal with the buying roles the person holds on it."""

    deal: Deal
    stage: Stage
    is_customer: bool
    roles: list[DealStakeholder] = field(default_factory=list)


def person_deals(session: Session, person_id: int, *, limit: int = MAX_DEALS) -> list[PersonOnDeal]:
    """Deals where the person is a stakeholder or the customer, most recently changed first."""
    on_committee = select(DealStakeholder.deal_id).where(DealStakeholder.person_id == person_id)
    query = (
        select(Deal, Stage)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(or_(Deal.person_id == person_id, Deal.id.in_(on_committee)))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .limit(limit)
    )
    found = {
        deal.id: PersonOnDeal(deal=deal, stage=stage, is_customer=deal.person_id == person_id)
        for deal, stage in session.execute(query)
    }
    if found:
        roles = (
            select(DealStakeholder)
            .where(DealStakeholder.person_id == person_id, DealStakeholder.deal_id.in_(found))
            .order_by(DealStakeholder.id)
        )
        for stakeholder in session.scalars(roles):
            found[stakeholder.deal_id].roles.append(stakeholder)
    return list(found.values())
