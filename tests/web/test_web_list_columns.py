"""Custom fields on the list pages: chosen columns (remembered per list) and typed filters."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select
from web_support import XSS_NAME, Site

from twofold.accounts.actions import get_account, update_account
from twofold.accounts.schemas import AccountUpdate
from twofold.customfields.definitions import CustomFieldCreate, define_custom_field
from twofold.deals.actions import get_deal, update_deal
from twofold.deals.schemas import DealUpdate
from twofold.persons.actions import get_person, update_person
from twofold.persons.schemas import PersonUpdate
from twofold.store.models import User
from twofold.web.pages import accounts as account_pages

FIELDS = (
    ("plan", "Plan", "choice", {"choices": ["Basic", "Pro"]}),
    ("seats", "Seats", "number", {}),
    ("vip", "VIP", "boolean", {}),
    ("renewal_on", "Renewal date", "date", {}),
    ("note", "Note", "text", {}),
)


def define(site: Site, entity: str) -> None:
    """The five custom fields on ``entity`` (none required)."""
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == site.crm.admin_email)).one()
        for key, label, field_type, extra in FIELDS:
            data: dict[str, Any] = {
                "entity": entity,
                "key": key,
                "label": label,
                "field_type": field_type,
                **extra,
            }
            define_custom_field(session, actor=admin, data=CustomFieldCreate.model_validate(data))


def set_account_values(site: Site) -> None:
    crm = site.crm
    values = {
        crm.group_id: {"plan": "Pro", "seats": 12, "vip": True, "renewal_on": "2026-03-01"},
        crm.benelux_id: {"plan": "Basic", "seats": 3, "note": "<b>bold</b> & more"},
        crm.rep_account_id: {"plan": "Basic", "vip": False},
    }
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == crm.admin_email)).one()
        for account_id, custom in values.items():
            account = get_account(session, account_id)
            update_account(session, actor=admin, account=account, data=AccountUpdate(custom=custom))


def names(page: str, kind: str) -> list[str]:
    """The record names linked from a list's table, in order."""
    table = page[page.index('<table class="data-table">') : page.index("</table>")]
    found = re.findall(rf'<td><a href="/{kind}/\d+">([^<]*)</a>', table)
    return [html.unescape(name) for name in found]


def headers(page: str) -> list[str]:
    table = page[page.index('<table class="data-table">') : page.index("</tbody>")]
    return re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)


def test_accounts_can_show_custom_columns_remembered_per_list(site: Site) -> None:
    define(site, "account")
    set_account_values(site)
    with site.logged_in() as client:
        plain = client.get("/accounts").text
        assert "Columns and filters" in plain
        assert "Plan" not in headers(plain)
        chosen = client.get(
            "/accounts", params={"columns_chosen": "1", "columns": ["seats", "plan", "nope"]}
        )
        assert chosen.status_code == 200
        assert headers(chosen.text)[-2:] == ["Plan", "Seats"]  # in definition order
        assert "twofold_columns_account=plan.seats" in chosen.headers["set-cookie"]
        row = chosen.text[chosen.text.index(">Globex Benelux<") :].split("</tr>")[0]
        assert "<td>Basic</td>" in row
        assert "<td>3</td>" in row
        # Opened again without parameters, the list keeps its columns (but not the people's).
        again = client.get("/accounts").text
        assert headers(again)[-2:] == ["Plan", "Seats"]
        assert "Plan" not in headers(client.get("/people").text)
        # Choosing no column is remembered too.
        client.get("/accounts", params={"columns_chosen": "1"})
        assert "Plan" not in headers(client.get("/accounts").text)
        # Text values are escaped in the cells.
        note = client.get("/accounts", params={"columns_chosen": "1", "columns": "note"}).text
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in note
        assert "<b>bold</b>" not in note


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"custom.plan": "Basic"}, ["Globex Benelux", "Initech"]),
        ({"custom.seats": "12.0"}, ["Globex Group"]),  # compared as numbers
        ({"custom.vip": "true"}, ["Globex Group"]),
        ({"custom.vip": "false"}, ["Initech"]),
        ({"custom.renewal_on": "2026-03-01"}, ["Globex Group"]),
        ({"custom.plan": "Basic", "custom.seats": "3"}, ["Globex Benelux"]),
        ({"custom.plan": "Basic", "q": "initech"}, ["Initech"]),
        ({"custom.plan": "", "custom.seats": " "}, None),  # blank filters are no filters
    ],
)
def test_accounts_are_filtered_by_typed_custom_values(
    site: Site, filters: dict[str, str], expected: list[str] | None
) -> None:
    define(site, "account")
    set_account_values(site)
    with site.logged_in() as client:
        page = client.get("/accounts", params=filters)
        everyone = names(client.get("/accounts").text, "accounts")
    assert page.status_code == 200
    assert names(page.text, "accounts") == (expected if expected is not None else everyone)
    if expected is not None and "custom.plan" in filters:
        assert "Only where <strong>Plan</strong> is Basic" in page.text
        assert '<option value="Basic" selected>Basic</option>' in page.text


def test_refused_filters_are_shown_beside_the_filter(site: Site) -> None:
    define(site, "account")
    with site.logged_in() as client:
        bad_number = client.get("/accounts", params={"custom.seats": "lots"})
        unknown = client.get("/accounts", params={"custom.nope": "1"})
        bad_date = client.get("/accounts", params={"custom.renewal_on": "March"})
    assert bad_number.status_code == 422
    assert '<p class="field-error" id="filter-error-seats">must be a number</p>' in (
        bad_number.text
    )
    assert 'value="lots"' in bad_number.text  # what was typed is kept
    assert "No accounts match these filters." in bad_number.text
    assert unknown.status_code == 422
    assert "no such custom field" in unknown.text
    assert bad_date.status_code == 422
    assert "must be an ISO date" in bad_date.text


def test_next_page_keeps_search_filters_and_columns(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    define(site, "account")
    set_account_values(site)
    monkeypatch.setattr(account_pages, "PAGE_SIZE", 1)
    with site.logged_in() as client:
        first = client.get(
            "/accounts",
            params={"custom.plan": "Basic", "columns_chosen": "1", "columns": "plan"},
        ).text
        assert names(first, "accounts") == ["Globex Benelux"]
        link = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
        assert "custom.plan=Basic" in link
        assert "columns=plan" in link
        second = client.get(link).text
    assert names(second, "accounts") == ["Initech"]
    assert headers(second)[-1] == "Plan"
    assert 'rel="next"' not in second


def test_people_and_deals_lists_have_columns_filters_and_account_links(site: Site) -> None:
    define(site, "person")
    define(site, "deal")
    crm = site.crm
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == crm.admin_email)).one()
        for person_id, plan in ((crm.ceo_id, "Pro"), (crm.cfo_id, "Basic")):
            update_person(
                session,
                actor=admin,
                person=get_person(session, person_id),
                data=PersonUpdate(custom={"plan": plan}),
            )
        update_deal(
            session,
            actor=admin,
            deal=get_deal(session, crm.committee_deal_id),
            data=DealUpdate(custom={"seats": 40}),
        )
    with site.logged_in() as client:
        at_benelux = client.get("/people", params={"account_id": crm.benelux_id}).text
        pro = client.get(
            "/people", params={"custom.plan": "Pro", "columns_chosen": "1", "columns": "plan"}
        ).text
        open_deals = client.get("/deals", params={"account_id": crm.benelux_id, "status": "open"})
        seats = client.get("/deals", params={"custom.seats": "40", "columns": "seats"}).text
        seat_columns = client.get("/deals", params={"columns_chosen": "1", "columns": "seats"}).text
        assert client.get("/deals", params={"status": "maybe"}).status_code == 422
        assert client.get("/people", params={"account_id": 999999}).status_code == 404
    assert "People at <a href=" in at_benelux
    assert names(at_benelux, "people") == ["Rita Gone", "Carla Jonas", "Hank Scorpio", "Tim Techno"]
    assert names(pro, "people") == ["Hank Scorpio"]
    assert headers(pro)[-1] == "Plan"
    assert open_deals.status_code == 200
    assert "Open deals of" in open_deals.text
    # Most recently changed first: the expansion just got its seats.
    assert names(open_deals.text, "deals") == ["Globex Benelux expansion", "Globex Benelux rollout"]
    assert names(seats, "deals") == ["Globex Benelux expansion"]
    assert headers(seats)[-1] != "Seats"  # columns only change with columns_chosen
    assert headers(seat_columns)[-1] == "Seats"


def test_lists_without_custom_fields_have_no_options(site: Site) -> None:
    with site.logged_in() as client:
        for path in ("/accounts", "/people", "/deals"):
            page = client.get(path).text
            assert "Columns and filters" not in page
            assert XSS_NAME not in page  # escaped wherever a name is listed
