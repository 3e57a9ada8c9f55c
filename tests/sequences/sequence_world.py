"""A rep, contacts and a sequence for the sequence tests, built through the domain actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from support import PASSWORD
from twofold.accounts.actions import create_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.schemas import AccountCreate
from twofold.auth.users import create_user
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.sequences.actions import SequenceCreate, create_sequence
from twofold.store.database import Database
from twofold.store.models import User

# Monday 1 March 2027, 09:00 UTC = 10:00 in Amsterdam.
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ZONE = "Europe/Amsterdam"
STEPS: list[dict[str, Any]] = [
    {
        "type": "email",
        "subject": "{{ account.name }} and us, {{ person.first_name }}",
        "body": "Hi {{ person.first_name }},\n\nA quick question.\n\n{{ sender.first_name }}",
    },
    {"type": "wait", "business_days": 2},
    {"type": "task", "task": "call", "subject": "Call about the first email", "note": "Ask"},
    {"type": "email", "subject": "Following up", "body": "Hi again {{ person.first_name }}"},
]


class SalesWorld:
    """Rita the rep, her contacts Ann, Bob and Cas (Ann at Acme), and a sequence of hers."""

    def __init__(self, database: Database, *, steps: list[dict[str, Any]] | None = None) -> None:
        self.database = database
        with database.transaction() as session:
            rep = create_user(
                session,
                email="rita@seller.example",
                name="Rita Rep",
                password=PASSWORD,
                role="rep",
            )
            self.rep_id = rep.id
            self.people = {
                name: create_person(
                    session,
                    actor=rep,
                    data=PersonCreate(
                        first_name=name,
                        last_name="Buyer",
                        emails=[f"{name.lower()}@buyer.example"],
                        owner_id=rep.id,
                    ),
                ).id
                for name in ("Ann", "Bob", "Cas")
            }
            account = create_account(session, actor=rep, data=AccountCreate(name="Acme"))
            add_membership(
                session,
                actor=rep,
                data=MembershipCreate(person_id=self.people["Ann"], account_id=account.id),
            )
            sequence = create_sequence(
                session,
                actor=rep,
                data=SequenceCreate(name="Outbound", timezone=ZONE, steps=steps or STEPS),
                default_timezone="UTC",
            )
            self.sequence_id = sequence.id

    def rep(self, session: Any) -> User:
        return session.get_one(User, self.rep_id)
