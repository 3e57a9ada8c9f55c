"""Global search: the first few accounts, people and deals whose name, email or domain match."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.models import Account, Deal, Person, Stage
from twofold.store.search import matches_search

RESULTS_PER_KIND = 5


@dataclass
class SearchResults:
    """Matches grouped by record type, each list at most ``limit`` long."""

    query: str
    accounts: list[Account] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    deals: list[tuple[Deal, Stage]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing matched."""
        return not (self.accounts or self.persons or self.deals)


def global_search(session: Session, query: str, *, limit: int = RESULTS_PER_KIND) -> SearchResults:
    """Search (a substring, or a word prefix for one or two characters; case- and
    accent-insensitive) over accounts, persons and deals."""
    results = SearchResults(query=query.strip())
    if not results.query:
        return results
    results.accounts = list(
        session.scalars(
            select(Account)
            .where(matches_search(session, Account, results.query))
            .order_by(Account.name, Account.id)
            .limit(limit)
        )
    )
    results.persons = list(
        session.scalars(
            select(Person)
            .where(matches_search(session, Person, results.query))
            .order_by(Person.last_name, Person.id)
            .limit(limit)
        )
    )
    deals = (
        select(Deal, Stage)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(matches_search(session, Deal, results.query))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .limit(limit)
    )
    results.deals = [(row[0], row[1]) for row in session.execute(deals)]
    return results
