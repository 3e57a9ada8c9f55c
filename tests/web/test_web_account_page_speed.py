"""What keeps the account page fast: forms fetched when opened, bounded lists with links to
the rest, older timeline entries on demand, and a number of queries that does not grow with
the number of people, deals or timeline entries."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from web_support import Site

from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import RecordType
from twofold.deals.actions import create_deal
from twofold.deals.schemas import DealCreate
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import User
from twofold.timeline.entries import read_timeline
from twofold.web.pages import account_page, shared

HTMX = {"HX-Request": "true"}


@contextmanager
def counted_statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the database runs inside the block for requests: the server's
    background threads (loader, flows, messaging, account jobs: all named ``twofold-*``) poll
    on their own clock and are not the page's work."""
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not threading.current_thread().name.startswith("twofold-"):
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def grow_account(site: Site, *, people: int, deals: int, activities: int) -> None:
    """More people, open deals and timeline entries at Globex Benelux."""
    with site.database.transaction() as session:
        admin = session.query(User).filter_by(email=site.crm.admin_email).one()
        for number in range(people):
            person = create_person(
                session, actor=admin, data=PersonCreate(first_name="Extra", last_name=f"{number}")
            )
            data = MembershipCreate(
                person_id=person.id,
                account_id=site.crm.benelux_id,
                department=f"Team {number % 3}",
                reports_to_id=site.crm.ceo_id,
            )
            add_membership(session, actor=admin, data=data)
        for number in range(deals):
            data = DealCreate(name=f"Extra deal {number}", account_id=site.crm.benelux_id)
            create_deal(session, actor=admin, data=data)
        for number in range(activities):
            activity = ActivityCreate.model_validate(
                {"kind": "note", "subject": f"Note {number}", "account_ids": [site.crm.benelux_id]}
            )
            log_activity(session, actor=admin, data=activity)


def test_forms_with_long_choice_lists_are_fetched_when_opened(site: Site) -> None:
    account = f"/accounts/{site.crm.benelux_id}"
    with site.logged_in() as client:
        page = client.get(account).text
        # Neither the owner choices nor the person picker are drawn with the page...
        assert 'name="owner_id"' not in page
        assert 'name="person_id"' not in page
        assert f'hx-get="{account}/edit"' in page
        assert f'hx-get="{account}/people/new"' in page
        # ...but links to them work without JavaScript (whole pages)...
        assert f'<a href="{account}/edit">' in page
        edit_page = client.get(f"{account}/edit")
        assert edit_page.status_code == 200
        assert "<h1>Edit Globex Benelux</h1>" in edit_page.text
        assert 'name="owner_id"' in edit_page.text
        assert 'value="Globex Benelux"' in edit_page.text
        add_page = client.get(f"{account}/people/new")
        assert add_page.status_code == 200
        assert "<h1>Add a person to Globex Benelux</h1>" in add_page.text
        # ...and HTMX gets the forms alone, to put into the page.
        edit_fragment = client.get(f"{account}/edit", headers=HTMX).text
        assert edit_fragment.lstrip().startswith("<form") or "<html" not in edit_fragment
        assert f'action="{account}"' in edit_fragment
        assert 'name="version"' in edit_fragment
        person_fragment = client.get(f"{account}/people/new", headers=HTMX).text
        assert "<html" not in person_fragment
        assert 'name="person_id"' in person_fragment
        assert "Hank Scorpio" in person_fragment  # a colleague to report to
        assert client.get("/accounts/999999/edit").status_code == 404
        assert client.get("/accounts/999999/people/new").status_code == 404
    with site.client() as anonymous:
        assert anonymous.get(f"{account}/edit").status_code == 303
        assert anonymous.get(f"{account}/people/new").status_code == 303


def test_long_lists_are_cut_with_links_to_the_rest(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(account_page, "PEOPLE_SHOWN", 3)
    monkeypatch.setattr(account_page, "OPEN_DEALS_SHOWN", 1)
    account = site.crm.benelux_id
    with site.logged_in() as client:
        page = client.get(f"/accounts/{account}").text
    people = page[page.index('id="people-heading"') : page.index('id="timeline-heading"')]
    assert len(re.findall(r'aria-label="Edit ', people)) == 3
    assert "Rita Gone" not in people  # the leaver comes after the current people
    assert f'<a href="/people?account_id={account}">Everyone at Globex Benelux</a>' in people
    deals = page[page.index('id="deals-heading"') : page.index('id="people-heading"')]
    assert f'href="/deals?account_id={account}&amp;status=open"' in deals
    monkeypatch.setattr(account_page, "PEOPLE_SHOWN", 4)  # exactly everyone: no link
    monkeypatch.setattr(account_page, "OPEN_DEALS_SHOWN", 2)
    with site.logged_in() as client:
        whole = client.get(f"/accounts/{account}").text
    assert "Everyone at Globex Benelux" not in whole
    assert "Rita Gone" in whole
    assert "All open deals of" not in whole


def test_older_timeline_entries_are_fetched_on_demand(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared, "TIMELINE_LENGTH", 3)
    grow_account(site, people=0, deals=0, activities=5)
    account = site.crm.benelux_id
    with site.database.transaction() as session:
        everything = read_timeline(session, record=(RecordType.ACCOUNT, account), limit=1000)
        expected = [entry.summary for entry in everything]
    with site.logged_in() as client:
        page = client.get(f"/accounts/{account}").text
        timeline = page[page.index('id="timeline-heading"') :]
        assert re.findall(r"Note: Note (\d)", timeline) == ["4", "3", "2"]
        shown = summaries(timeline)
        older = re.search(r'hx-get="(/timeline/account/\d+\?before=\d+)"', timeline)
        while older:  # HTMX replaces the link with the next entries and a new link
            fragment = client.get(older.group(1), headers=HTMX).text
            assert "<html" not in fragment
            shown += summaries(fragment)
            older = re.search(r'hx-get="(/timeline/account/\d+\?before=\d+)"', fragment)
        assert shown == expected
        assert shown[-1] == "Account Globex Benelux created"
        # Without JavaScript the link opens a page of its own.
        link = re.search(r'href="(/timeline/account/\d+\?before=\d+)"', timeline).group(1)
        whole_page = client.get(link)
        assert whole_page.status_code == 200
        assert "Timeline of Globex Benelux: older entries" in whole_page.text
        assert summaries(whole_page.text) == expected[3:6]
        assert client.get("/timeline/account/999999?before=5").status_code == 404
        assert client.get(f"/timeline/user/{account}?before=5").status_code == 422
        assert client.get(f"/timeline/account/{account}").status_code == 422
        person = client.get(f"/timeline/person/{site.crm.ceo_id}?before=999999")
        assert person.status_code == 200
        assert "Timeline of Hank Scorpio" in person.text
    with site.client() as anonymous:
        assert anonymous.get(link).status_code == 303


def summaries(page: str) -> list[str]:
    """The timeline entries' summaries on a page or fragment, in order."""
    found = re.findall(r'<p class="timeline-summary">([^<]*)</p>', page)
    return [html.unescape(summary) for summary in found]


def test_the_number_of_queries_does_not_grow_with_the_account(site: Site) -> None:
    account = f"/accounts/{site.crm.benelux_id}"
    with site.logged_in() as client:
        client.get(account)  # warm up
        with counted_statements(site.database) as before:
            assert client.get(account).status_code == 200
        grow_account(site, people=12, deals=6, activities=10)
        with counted_statements(site.database) as after:
            page = client.get(account)
    assert page.status_code == 200
    assert "Extra 11" in page.text
    assert len(after) == len(before)
    assert len(before) <= 20
