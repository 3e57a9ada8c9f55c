"""Looking up what rows refer to: users by email, stored accounts and persons by their keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.errors import TwofoldError
from twofold.csv_import.values import CellProblem
from twofold.customfields.definitions import validate_custom_values
from twofold.store.models import Account, Person, User

CHUNK = 900  # keys per IN (...) list: well inside SQLite's and PostgreSQL's limits
Key = TypeVar("Key")


def in_chunks(keys: Sequence[Key]) -> Iterator[Sequence[Key]]:
    """``keys`` a chunk at a time, for ``IN`` lists."""
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


@dataclass
class Directory:
    """The importing user, the users rows may name as owners, and stored accounts/persons
    looked up lazily by the keys rows use."""

    session: Session
    actor: User | None
    users: dict[str, int] = field(default_factory=dict)
    _accounts_by_domain: dict[str, int] | None = None

    @classmethod
    def load(cls, session: Session, actor: User | None) -> Directory:
        """Read the users once."""
        query = select(func.lower(User.email), User.id)
        users = {str(email): int(user_id) for email, user_id in session.execute(query)}
        return cls(session=session, actor=actor, users=users)

    @property
    def actor_id(self) -> int | None:
        """Who owns rows that name no owner."""
        return self.actor.id if self.actor else None

    def user_id(self, email: str) -> int:
        """The id of the user with this login email."""
        user_id = self.users.get(email.strip().lower())
        if user_id is None:
            raise CellProblem(f"no user with the email {email.strip()!r}")
        return user_id

    def custom_defaults(self, entity: str) -> dict[str, Any]:
        """Custom fields a new record starts with (refused when some are required)."""
        try:
            return validate_custom_values(self.session, entity=entity, values={})
        except TwofoldError as error:
            fields = ", ".join(problem.field for problem in error.details)
            raise CellProblem(f"required custom fields cannot be imported yet: {fields}") from None

    def account_by_domain(self, domain: str) -> int | None:
        """The stored account with this domain (the oldest, if several have it)."""
        if self._accounts_by_domain is None:
            found: dict[str, int] = {}
            for account_id, domains in self.session.execute(
                select(Account.id, Account.domains).order_by(Account.id.desc())
            ):
                found.update(dict.fromkeys(domains, account_id))
            self._accounts_by_domain = found
        return self._accounts_by_domain.get(domain)

    def account_by_external_id(self, external_id: str) -> int | None:
        """The stored account with this external id."""
        return self.session.scalar(select(Account.id).where(Account.external_id == external_id))

    def person_by_email(self, email: str) -> int | None:
        """The stored person whose primary email this is (the oldest, if several)."""
        return self.session.scalar(select(func.min(Person.id)).where(Person.primary_email == email))

    def person_by_external_id(self, external_id: str) -> int | None:
        """The stored person with this external id."""
        return self.session.scalar(select(Person.id).where(Person.external_id == external_id))

    def forget_accounts(self) -> None:
        """Accounts were written: look domains up afresh."""
        self._accounts_by_domain = None
