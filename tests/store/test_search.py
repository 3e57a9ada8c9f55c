"""Search on both databases: substrings for three or more characters, word prefixes for one or
two, with the same answers whichever plan (walk or index) the estimate picks."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.deals.actions import create_deal
from twofold.deals.schemas import DealCreate
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store import word_prefix
from twofold.store.database import Database
from twofold.store.models import Account, Deal, Person, User
from twofold.store.search import matches_search

PEOPLE = [
    ("John", "Smith", ["john.smith@acme.example"]),
    ("Anna", "Goldsmith", ["anna@gold.example"]),
    ("Émile", "Zola", ["ez@paris.example"]),
    ("Smita", "Rao", []),
    ("Bo", "", []),
    ("Zed", "O'Neill", ["zed@o-neill.example"]),
    ("Ólafur", "Arnalds", []),
]
ACCOUNTS = [
    ("Acme Smiths Ltd", ["acme.example"]),
    ("Blacksmith & Co", []),
    ("BP", []),
    ("Nordic (Smart) Labs", ["nordic-smart.example"]),
]


@pytest.fixture
def records(database: Database, admin: User) -> Database:
    """People, accounts and deals with names that separate prefixes from substrings."""
    with database.transaction() as session:
        actor = session.merge(admin)
        for first, last, emails in PEOPLE:
            data = PersonCreate(first_name=first, last_name=last, emails=emails)
            create_person(session, actor=actor, data=data)
        for name, domains in ACCOUNTS:
            account = create_account(
                session, actor=actor, data=AccountCreate(name=name, domains=domains)
            )
            create_deal(
                session, actor=actor, data=DealCreate(name=f"{name} deal", account_id=account.id)
            )
    return database


def found(session: Session, model: type, needle: str) -> list[str]:
    """The names the search finds, in list order."""
    if model is Person:
        query = select(Person).order_by(Person.last_name, Person.id)
        label = lambda person: f"{person.first_name} {person.last_name}".strip()  # noqa: E731
    elif model is Account:
        query = select(Account).order_by(Account.name, Account.id)
        label = lambda account: account.name  # noqa: E731
    else:
        query = select(Deal).order_by(Deal.updated_at.desc(), Deal.id.desc())
        label = lambda deal: deal.name  # noqa: E731
    return sorted(
        label(row) for row in session.scalars(query.where(matches_search(session, model, needle)))
    )


@pytest.fixture(params=["walk", "index"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force one plan for short needles: both must give the same answers."""
    monkeypatch.setattr(word_prefix, "_PLANS", {})
    monkeypatch.setattr(word_prefix, "_walk_is_cheaper", lambda *_args: request.param == "walk")
    return str(request.param)


def test_short_needles_match_the_start_of_words(records: Database, plan: str) -> None:
    with records.transaction() as session:
        # A word of the name, email or domain starts with "sm": not "Goldsmith".
        assert found(session, Person, "sm") == ["John Smith", "Smita Rao"]
        assert found(session, Person, "SM") == ["John Smith", "Smita Rao"]
        assert found(session, Person, "ac") == ["John Smith"]  # acme in the email
        assert found(session, Person, "ól") == ["Ólafur Arnalds"]  # accents folded
        assert found(session, Person, "OL") == ["Ólafur Arnalds"]
        assert found(session, Person, "é") == found(session, Person, "e")
        assert found(session, Person, "ne") == ["Zed O'Neill"]  # after an apostrophe, a hyphen
        assert found(session, Person, "z") == ["Zed O'Neill", "Émile Zola"]
        assert found(session, Person, "xq") == []
        assert found(session, Account, "sm") == ["Acme Smiths Ltd", "Nordic (Smart) Labs"]
        assert found(session, Account, "co") == ["Blacksmith & Co"]
        assert found(session, Deal, "de") == sorted(f"{name} deal" for name, _ in ACCOUNTS)
        assert found(session, Deal, "la") == ["Nordic (Smart) Labs deal"]
        # Punctuation alone starts no word, and LIKE wildcards are literal.
        for needle in ("%", "_", "&", "'", "%%"):
            assert found(session, Person, needle) == []
            assert found(session, Account, needle) == []


def test_a_whole_search_text_of_two_characters_is_found_by_walking(records: Database) -> None:
    with records.transaction() as session:
        assert found(session, Account, "bp") == ["BP"]  # small tables are always walked
        assert found(session, Person, "bo") == ["Bo"]


def test_three_or_more_characters_match_anywhere(records: Database) -> None:
    with records.transaction() as session:
        assert found(session, Person, "smith") == ["Anna Goldsmith", "John Smith"]
        assert found(session, Person, "mil") == ["Émile Zola"]
        assert found(session, Account, "smith") == ["Acme Smiths Ltd", "Blacksmith & Co"]
        assert found(session, Person, "  ") == found(session, Person, "")
        assert len(found(session, Person, "")) == len(PEOPLE)


def test_the_estimate_picks_the_index_for_rare_needles(
    records: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the walk budget at zero the samples decide: a needle that starts no word in the
    sample is looked up in the index; one that starts a word in most rows is walked."""
    monkeypatch.setattr(word_prefix, "WALK_BUDGET", 0)
    monkeypatch.setattr(word_prefix, "_PLANS", {})
    with records.transaction() as session:
        assert not word_prefix._walk_is_cheaper(session, Person, "xq")
        assert word_prefix._walk_is_cheaper(session, Deal, "de")  # every deal's last word
        assert found(session, Person, "sm") == ["John Smith", "Smita Rao"]
        assert found(session, Deal, "de") == sorted(f"{name} deal" for name, _ in ACCOUNTS)
