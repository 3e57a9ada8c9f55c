"""Reading the stored records as matching facts, a batch at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.duplicates.keys import company_email_domain, company_name_key, person_name_key
from twofold.duplicates.matching import AccountFacts, PersonFacts
from twofold.store.models import Account, Membership, Person

BATCH_ROWS = 20_000


def count_records(session: Session, kind: str) -> int:
    """How many persons or accounts are stored."""
    model = Person if kind == "persons" else Account
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored_person_facts(session: Session) -> Iterator[PersonFacts]:
    """Every stored person's facts; companies are employer email domains and the accounts
    they are currently at."""
    accounts: dict[int, list[str]] = defaultdict(list)
    current = select(Membership.person_id, Membership.account_id).where(
        Membership.ended_on.is_(None)
    )
    for person_id, account_id in session.execute(current):
        accounts[person_id].append(f"account:{account_id}")
    query = select(Person.id, Person.first_name, Person.last_name, Person.emails, Person.phones)
    for row in session.execute(query.execution_options(yield_per=BATCH_ROWS)):
        yield person_facts(
            row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            emails=row.emails,
            phones=row.phones,
            accounts=accounts.get(row.id, ()),
        )


def person_facts(
    person_id: int,
    *,
    first_name: str | None,
    last_name: str | None,
    emails: list[str] | tuple[str, ...],
    phones: list[str] | tuple[str, ...],
    accounts: list[str] | tuple[str, ...] = (),
) -> PersonFacts:
    """The facts of one person (emails and phones already normalised)."""
    domains = (company_email_domain(email) for email in emails)
    companies = tuple(dict.fromkeys([*(d for d in domains if d), *accounts]))
    return PersonFacts(
        id=person_id,
        name_key=person_name_key(first_name, last_name),
        emails=tuple(emails),
        phones=tuple(phones),
        companies=companies,
    )


def stored_account_facts(session: Session) -> Iterator[AccountFacts]:
    """Every stored account's facts."""
    query = select(Account.id, Account.name, Account.domains)
    for row in session.execute(query.execution_options(yield_per=BATCH_ROWS)):
        yield AccountFacts(row.id, company_name_key(row.name), tuple(row.domains))
