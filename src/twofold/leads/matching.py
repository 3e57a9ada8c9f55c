"""Finding what a lead already is in the CRM: its person by email, its account by domain."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.places import parse_domain
from twofold.core.text import escape_like
from twofold.duplicates.keys import company_email_domain
from twofold.store.models import Account, Person


def person_for_email(session: Session, email: str) -> Person | None:
    """The person whose primary email this is (the oldest, if several)."""
    person_id = session.scalar(select(func.min(Person.id)).where(Person.primary_email == email))
    return None if person_id is None else session.get(Person, person_id)


def account_for_domain(session: Session, domain: str) -> Account | None:
    """The account with this domain (the oldest, if several have it).

    The domain list is JSON, so the search text (which holds every domain) narrows the
    candidates by index and the list decides.
    """
    needle = f"%{escape_like(domain.lower())}%"
    candidates = session.scalars(
        select(Account).where(Account.search_text.like(needle, escape="\\")).order_by(Account.id)
    )
    return next((account for account in candidates if domain in account.domains), None)


def lead_domain(*, email: str | None, website: str | None) -> str | None:
    """The company's domain: the website's, else the email's unless it is a free mail
    provider (a gmail.com address says nothing about an employer)."""
    if website:
        try:
            return parse_domain(website, field="website")
        except ValidationFailed:
            pass
    return company_email_domain(email) if email else None
