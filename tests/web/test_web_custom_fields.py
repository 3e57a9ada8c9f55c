"""Custom fields in the forms and on the record pages of accounts, persons and deals."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select
from web_support import Site, csrf_token

from support import count_rows
from twofold.accounts.actions import get_account
from twofold.customfields.definitions import CustomFieldCreate, define_custom_field
from twofold.deals.actions import get_deal
from twofold.store.models import Account, Person, User


def field_errors(page: str, field: str) -> list[str]:
    """The messages the page shows next to one field."""
    found = re.findall(
        rf'<p class="field-error" id="error-{re.escape(field)}-\d+">([^<]*)</p>', page
    )
    return [html.unescape(message) for message in found]


def define_fields(site: Site, entity: str) -> None:
    """A text, a number, a date, a choice (required) and a boolean field on ``entity``."""
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == site.crm.admin_email)).one()
        for key, label, field_type, extra in (
            ("tier_note", "Tier note", "text", {}),
            ("seats", "Seats", "number", {}),
            ("renewal_on", "Renewal date", "date", {}),
            ("plan", "Plan", "choice", {"choices": ["Basic", "Pro"], "required": True}),
            ("vip", "VIP", "boolean", {}),
        ):
            data: dict[str, Any] = {
                "entity": entity,
                "key": key,
                "label": label,
                "field_type": field_type,
                **extra,
            }
            define_custom_field(session, actor=admin, data=CustomFieldCreate.model_validate(data))


def details(page: str) -> dict[str, str]:
    """The ``<dt>``/``<dd>`` pairs of a record page's details."""
    pairs = re.findall(r"<div><dt>([^<]*)</dt><dd>(.*?)</dd></div>", page)
    return {html.unescape(name): value for name, value in pairs}


def test_account_form_stores_custom_values_and_the_page_shows_them(site: Site) -> None:
    define_fields(site, "account")
    with site.logged_in() as client:
        form_page = client.get("/accounts/new").text
        assert 'name="custom.seats" type="number"' in form_page
        assert 'name="custom.renewal_on" type="date"' in form_page
        assert '<select id="field-custom.plan" name="custom.plan" required' in form_page
        assert '<option value="Pro">Pro</option>' in form_page
        assert '<option value="true">Yes</option>' in form_page
        created = client.post(
            "/accounts",
            data={
                "csrf_token": csrf_token(client),
                "name": "Custom Co",
                "custom.tier_note": "<b>gold</b> & more",
                "custom.seats": "250",
                "custom.renewal_on": "2026-03-01",
                "custom.plan": "Pro",
                "custom.vip": "true",
            },
        )
        assert created.status_code == 303, created.text
        page = client.get(created.headers["location"]).text
    shown = details(page)
    labels = [
        name for name in shown if name in {"Tier note", "Seats", "Renewal date", "Plan", "VIP"}
    ]
    assert labels == ["Tier note", "Seats", "Renewal date", "Plan", "VIP"]  # definition order
    assert shown["Tier note"] == "&lt;b&gt;gold&lt;/b&gt; &amp; more"  # escaped
    assert "<b>gold</b>" not in page
    assert shown["Seats"] == "250"
    assert shown["Renewal date"] == "1 Mar 2026"
    assert shown["Plan"] == "Pro"
    assert shown["VIP"] == "Yes"
    account_id = int(created.headers["location"].rsplit("/", 1)[1])
    with site.database.transaction() as session:
        stored = get_account(session, account_id).custom
    assert stored == {
        "tier_note": "<b>gold</b> & more",
        "seats": 250,
        "renewal_on": "2026-03-01",
        "plan": "Pro",
        "vip": True,
    }


def test_bad_custom_values_are_shown_beside_their_fields_and_nothing_is_stored(
    site: Site,
) -> None:
    define_fields(site, "account")
    before = count_rows(site.database, "accounts")
    with site.logged_in() as client:
        refused = client.post(
            "/accounts",
            data={
                "csrf_token": csrf_token(client),
                "name": "Broken Co",
                "custom.seats": "lots",
                "custom.renewal_on": "",
                "custom.plan": "",
                "custom.vip": "false",
            },
        )
    assert refused.status_code == 422
    assert field_errors(refused.text, "custom.seats") == ["must be a number"]
    assert field_errors(refused.text, "custom.plan") == ["is required"]
    assert field_errors(refused.text, "name") == []
    assert 'value="lots"' in refused.text  # what was typed is kept
    assert 'value="Broken Co"' in refused.text
    assert '<option value="false" selected>No</option>' in refused.text
    assert '<a href="#field-custom.seats">Seats</a>: must be a number' in refused.text
    assert count_rows(site.database, "accounts") == before


def test_account_edit_form_changes_and_clears_custom_values(site: Site) -> None:
    define_fields(site, "account")
    account_id = site.crm.group_id
    with site.database.transaction() as session:
        version = get_account(session, account_id).version
    with site.logged_in() as client:
        token = csrf_token(client)
        form = {
            "csrf_token": token,
            "version": str(version),
            "name": "Globex Group",
            "lifecycle": "customer",
            "custom.tier_note": "",
            "custom.seats": "12.5",
            "custom.renewal_on": "",
            "custom.plan": "Basic",
            "custom.vip": "false",
        }
        saved = client.post(f"/accounts/{account_id}", data=form)
        assert saved.status_code == 303, saved.text
        page = client.get(f"/accounts/{account_id}").text
        assert details(page)["Seats"] == "12.5"
        assert details(page)["VIP"] == "No"
        assert details(page)["Renewal date"] == "—"
        edit_form = client.get(f"/accounts/{account_id}/edit").text
        assert 'name="custom.seats" type="number" value="12.5"' in edit_form
        with site.database.transaction() as session:
            account = get_account(session, account_id)
            version = account.version
        assert account.custom == {"seats": 12.5, "plan": "Basic", "vip": False}
        # A refused edit keeps the stored values.
        refused = client.post(
            f"/accounts/{account_id}",
            data={**form, "version": str(version), "custom.plan": "", "custom.seats": "7"},
        )
        assert refused.status_code == 422
        assert field_errors(refused.text, "custom.plan") == ["is required"]
        assert 'value="7"' in refused.text
        cleared = client.post(
            f"/accounts/{account_id}",
            data={**form, "version": str(version), "custom.seats": "", "custom.vip": ""},
        )
        assert cleared.status_code == 303, cleared.text
    with site.database.transaction() as session:
        assert session.get(Account, account_id) is not None
        assert get_account(session, account_id).custom == {"plan": "Basic"}


def test_person_and_deal_forms_have_custom_fields(site: Site) -> None:
    define_fields(site, "person")
    define_fields(site, "deal")
    with site.logged_in() as client:
        token = csrf_token(client)
        assert 'name="custom.seats"' in client.get("/people/new").text
        person = client.post(
            "/people",
            data={
                "csrf_token": token,
                "first_name": "Cus",
                "last_name": "Tom",
                "custom.plan": "Basic",
                "custom.seats": "3",
            },
        )
        assert person.status_code == 303, person.text
        person_page = client.get(person.headers["location"]).text
        assert details(person_page)["Seats"] == "3"
        assert details(person_page)["VIP"] == "—"
        deal_form = {
            "csrf_token": token,
            "name": "Custom deal",
            "account_id": str(site.crm.group_id),
            "stage_id": str(site.crm.stages["Discovery"]),
            "amount": "1000",
            "custom.seats": "1e3x",
        }
        assert 'name="custom.vip"' in client.get("/deals/new").text
        refused = client.post("/deals", data=deal_form)
        assert refused.status_code == 422
        assert field_errors(refused.text, "custom.seats") == ["must be a number"]
        assert field_errors(refused.text, "custom.plan") == ["is required"]
        deal = client.post("/deals", data={**deal_form, "custom.seats": "40", "custom.plan": "Pro"})
        assert deal.status_code == 303, deal.text
        deal_id = int(deal.headers["location"].rsplit("/", 1)[1])
        deal_page = client.get(f"/deals/{deal_id}").text
        assert details(deal_page)["Plan"] == "Pro"
        assert 'name="custom.plan"' in deal_page  # the edit form
        with site.database.transaction() as session:
            version = get_deal(session, deal_id).version
        edited = client.post(
            f"/deals/{deal_id}",
            data={
                "csrf_token": token,
                "version": str(version),
                "name": "Custom deal",
                "currency": "USD",
                "custom.plan": "Pro",
                "custom.seats": "41",
                "custom.vip": "true",
            },
        )
        assert edited.status_code == 303, edited.text
    with site.database.transaction() as session:
        assert get_deal(session, deal_id).custom == {"plan": "Pro", "seats": 41, "vip": True}
        stored_person = session.scalars(select(Person).where(Person.first_name == "Cus")).one()
        assert stored_person.custom == {"plan": "Basic", "seats": 3}


@pytest.mark.parametrize("path", ["/accounts/new", "/people/new", "/deals/new"])
def test_forms_without_custom_fields_are_unchanged(site: Site, path: str) -> None:
    with site.logged_in() as client:
        assert "custom." not in client.get(path).text
