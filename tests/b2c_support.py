"""Support for tests about persons as the event pipeline sees them: send events through a
real journal and DuckDB, and build two records of one human with links on every side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.actions import create_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.schemas import AccountCreate
from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import ActivityKind, BuyingRole
from twofold.core.time import utcnow
from twofold.deals.actions import create_deal
from twofold.deals.committee import add_stakeholder
from twofold.deals.schemas import DealCreate, StakeholderCreate
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import IdentityConflict, User


def send(ingestion: Ingestion, source_id: int, *messages: dict[str, Any]) -> None:
    """Journal the messages as one request would, then wait until they are loaded."""
    journal(ingestion, source_id, *messages)
    ingestion.flush()


def journal(ingestion: Ingestion, source_id: int, *messages: dict[str, Any]) -> None:
    """Write the messages to the journal (durably) without waiting for them to be loaded."""
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    ingestion.journal.append_blocking(
        b"".join(journal_line(message, receipt) for message in messages)
    )


def event_rows(ingestion: Ingestion, where: str, *parameters: object) -> list[tuple[Any, ...]]:
    """``(message_id, person_id)`` of the stored events matching a SQL condition."""
    with ingestion.store.reader() as reader:
        return reader.execute(
            f"SELECT message_id, person_id FROM events WHERE {where} ORDER BY message_id",
            list(parameters),
        ).fetchall()


@dataclass
class TwoAnns:
    """Two records of one human (``keep`` and ``duplicate``) and what links to them."""

    keep: int
    duplicate: int
    colleague: int
    conflict: int
    only_duplicate_account: int
    only_keep_account: int
    shared_account: int
    b2c_deal: int
    committee_deal: int
    own_activity: int
    shared_activity: int


def build_two_anns(
    database: Database, ingestion: Ingestion, source_id: int, admin: User
) -> TwoAnns:
    """Ann entered in the CRM, and Ann who signed up in the shop; events for both, a
    conflict between them, and links to accounts, deals and activities on both sides."""
    with database.transaction() as session:
        keep = _person(session, admin, first_name="Ann", last_name="Archer", emails=["ann@corp.io"])
        duplicate = _person(
            session,
            admin,
            first_name="Annie",
            last_name="Archer",
            emails=["annie@home.io"],
            phones=["+31 20 123 4567"],
            title="Buyer",
            traits={"plan": "pro", "city": "Utrecht"},
        )
        colleague = _person(session, admin, first_name="Carl", last_name="Colleague")
    send(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "crm-ann",
            "traits": {"email": "ann@corp.io"},
            "messageId": "m-keep-identify",
        },
        {"type": "page", "anonymousId": "device-annie", "name": "Home", "messageId": "m-dup-page"},
        {
            "type": "identify",
            "userId": "shop-annie",
            "anonymousId": "device-annie",
            "traits": {"email": "annie@home.io"},
            "messageId": "m-dup-identify",
        },
        {
            "type": "track",
            "userId": "shop-annie",
            "event": "Order Completed",
            "properties": {"revenue": 42},
            "messageId": "m-dup-order",
        },
    )
    # The shop account now claims the CRM email: a conflict between the two Anns.
    send(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "shop-annie",
            "traits": {"email": "ann@corp.io"},
            "messageId": "m-conflict",
        },
    )
    with database.transaction() as session:
        conflict_id = session.scalars(
            select(IdentityConflict.id).where(IdentityConflict.other_person_id == duplicate)
        ).one()
        links = _links(session, admin, keep=keep, duplicate=duplicate, colleague=colleague)
    return TwoAnns(
        keep=keep, duplicate=duplicate, colleague=colleague, conflict=conflict_id, **links
    )


def _person(session: Session, admin: User, **fields: Any) -> int:
    return create_person(session, actor=admin, data=PersonCreate.model_validate(fields)).id


def _links(
    session: Session, admin: User, *, keep: int, duplicate: int, colleague: int
) -> dict[str, int]:
    def account(name: str) -> int:
        return create_account(session, actor=admin, data=AccountCreate(name=name)).id

    only_duplicate, only_keep, shared = account("Dupe Ltd"), account("Keep BV"), account("Both Inc")
    for person, account_id, title, roles, manager in (
        (duplicate, only_duplicate, "Buyer", [BuyingRole.CHAMPION], None),
        (colleague, only_duplicate, "Assistant", [], duplicate),
        (keep, only_keep, "CTO", [BuyingRole.DECISION_MAKER], None),
        (keep, shared, None, [BuyingRole.DECISION_MAKER], None),
        (duplicate, shared, "Advisor", [BuyingRole.INFLUENCER], None),
    ):
        add_membership(
            session,
            actor=admin,
            data=MembershipCreate(
                person_id=person,
                account_id=account_id,
                title=title,
                buying_roles=roles,
                reports_to_id=manager,
            ),
        )
    b2c = create_deal(
        session, actor=admin, data=DealCreate(name="Kitchen for Annie", person_id=duplicate)
    )
    committee = create_deal(
        session, actor=admin, data=DealCreate(name="Both Inc platform", account_id=shared)
    )
    for person, role in (
        (keep, BuyingRole.DECISION_MAKER),
        (duplicate, BuyingRole.DECISION_MAKER),
        (duplicate, BuyingRole.INFLUENCER),
    ):
        add_stakeholder(
            session,
            actor=admin,
            deal=committee,
            data=StakeholderCreate(person_id=person, buying_role=role),
        )
    own = log_activity(
        session,
        actor=admin,
        data=ActivityCreate(
            kind=ActivityKind.CALL, subject="Call with Annie Archer", person_ids=[duplicate]
        ),
    )
    shared_activity = log_activity(
        session,
        actor=admin,
        data=ActivityCreate(
            kind=ActivityKind.MEETING,
            subject="Both Anns at the fair",
            person_ids=[keep, duplicate, colleague],
        ),
    )
    return {
        "only_duplicate_account": only_duplicate,
        "only_keep_account": only_keep,
        "shared_account": shared,
        "b2c_deal": b2c.id,
        "committee_deal": committee.id,
        "own_activity": own.id,
        "shared_activity": shared_activity.id,
    }
