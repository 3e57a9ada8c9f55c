"""Changing a person's membership of an account from the account page."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from web_support import Site, csrf_token

from twofold.store.models import Membership


def field_errors(page: str, field: str) -> list[str]:
    """The messages the page shows next to one field."""
    found = re.findall(rf'<p class="field-error" id="error-{field}-\d+">([^<]*)</p>', page)
    return [html.unescape(message) for message in found]


def membership_of(site: Site, person_id: int) -> Membership:
    """The sample person's membership at Globex Benelux (read in its own transaction)."""
    with site.database.transaction() as session:
        membership = session.scalars(
            select(Membership).where(
                Membership.person_id == person_id, Membership.account_id == site.crm.benelux_id
            )
        ).one()
        session.expunge(membership)
    return membership


def test_a_membership_is_edited_from_the_account_page(site: Site) -> None:
    crm = site.crm
    cto = membership_of(site, crm.cto_id)
    edit_path = f"/accounts/{crm.benelux_id}/people/{cto.id}"
    with site.logged_in() as client:
        account_page = client.get(f"/accounts/{crm.benelux_id}").text
        assert f'href="{edit_path}"' in account_page
        form_page = client.get(edit_path)
        assert form_page.status_code == 200
        assert 'value="Head of IT"' in form_page.text
        assert 'value="technical_evaluator" checked' in form_page.text
        base = {
            "csrf_token": csrf_token(client),
            "version": str(cto.version),
            "title": "CTO",
            "department": "Technology",
            "reports_to_id": str(crm.cfo_id),
            "buying_roles": ["technical_evaluator", "champion"],
            "started_on": "2024-01-01",
        }
        # A refusal: shown beside the field, what was typed kept, nothing stored.
        refused = client.post(edit_path, data={**base, "ended_on": "2023-12-31"})
        assert refused.status_code == 422
        assert field_errors(refused.text, "ended_on") == ["must not be before started_on"]
        assert 'value="CTO"' in refused.text
        assert 'value="champion" checked' in refused.text
        assert membership_of(site, crm.cto_id).title == "Head of IT"
        loop = client.post(edit_path, data={**base, "reports_to_id": str(crm.cto_id)})
        assert loop.status_code == 422
        assert field_errors(loop.text, "reports_to_id") == ["a person cannot report to themselves"]
        # Marking the person as a leaver.
        saved = client.post(edit_path, data={**base, "ended_on": "2025-02-28"})
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/accounts/{crm.benelux_id}#people-heading"
        page = client.get(f"/accounts/{crm.benelux_id}").text
        # A stale form (the version it was drawn from) is refused.
        stale = client.post(edit_path, data={**base, "title": "Old"})
        assert stale.status_code == 412
    stored = membership_of(site, crm.cto_id)
    assert stored.title == "CTO"
    assert stored.department == "Technology"
    assert stored.reports_to_id == crm.cfo_id
    assert stored.buying_roles == ["technical_evaluator", "champion"]
    assert str(stored.ended_on) == "2025-02-28"
    assert "Technology" in page
    assert "28 Feb 2025" in page  # shown as a leaver


def test_membership_forms_need_csrf_rights_and_the_right_account(site: Site) -> None:
    crm = site.crm
    cto = membership_of(site, crm.cto_id)
    edit_path = f"/accounts/{crm.benelux_id}/people/{cto.id}"
    with site.logged_in() as client:
        no_token = client.post(edit_path, data={"title": "Hacked"})
        assert no_token.status_code == 403
        elsewhere = client.get(f"/accounts/{crm.group_id}/people/{cto.id}")
        assert elsewhere.status_code == 404
    with site.logged_in(crm.viewer_email) as viewer:
        refused = viewer.post(edit_path, data={"csrf_token": csrf_token(viewer), "title": "X"})
        assert refused.status_code == 403
    assert membership_of(site, crm.cto_id).title == "Head of IT"


def test_a_membership_is_removed_after_confirmation(site: Site) -> None:
    crm = site.crm
    cfo = membership_of(site, crm.cfo_id)  # Rita Gone (a leaver) reported to Carla
    remove_path = f"/accounts/{crm.benelux_id}/people/{cfo.id}/remove"
    with site.logged_in() as client:
        account_page = client.get(f"/accounts/{crm.benelux_id}").text
        assert f'href="{remove_path}"' in account_page
        confirm = client.get(remove_path)
        assert confirm.status_code == 200
        assert "<h1>Remove Carla Jonas from Globex Benelux?</h1>" in confirm.text
        assert f'action="{remove_path}"' in confirm.text
        assert 'name="csrf_token"' in confirm.text
        assert membership_of(site, crm.cfo_id).id == cfo.id  # asking changes nothing
        removed = client.post(remove_path, data={"csrf_token": csrf_token(client)})
        assert removed.status_code == 303
        assert removed.headers["location"] == f"/accounts/{crm.benelux_id}#people-heading"
        page = client.get(f"/accounts/{crm.benelux_id}").text
        person_page = client.get(f"/people/{crm.cfo_id}").text
        again = client.get(remove_path)
        assert again.status_code == 404
    people = page[page.index('id="people-heading"') : page.index('id="timeline-heading"')]
    assert "Carla Jonas" not in people
    assert "Carla Jonas removed from Globex Benelux" in page  # the account's timeline
    assert "Carla Jonas removed from Globex Benelux" in person_page
    with site.database.transaction() as session:
        remaining = {m.person_id: m for m in session.scalars(select(Membership))}
    assert crm.cfo_id not in remaining
    assert remaining[crm.leaver_id].reports_to_id is None  # no line to someone not there


def test_removing_a_membership_needs_csrf_rights_and_the_right_account(site: Site) -> None:
    crm = site.crm
    cto = membership_of(site, crm.cto_id)
    remove_path = f"/accounts/{crm.benelux_id}/people/{cto.id}/remove"
    with site.logged_in() as client:
        assert client.post(remove_path, data={}).status_code == 403
        assert client.post(remove_path, data={"csrf_token": "forged"}).status_code == 403
        token = csrf_token(client)
        elsewhere = f"/accounts/{crm.group_id}/people/{cto.id}/remove"
        assert client.get(elsewhere).status_code == 404
        assert client.post(elsewhere, data={"csrf_token": token}).status_code == 404
        bad_id = f"/accounts/{crm.benelux_id}/people/abc/remove"
        assert client.post(bad_id, data={"csrf_token": token}).status_code == 422
    with site.logged_in(crm.viewer_email) as viewer:
        refused = viewer.post(remove_path, data={"csrf_token": csrf_token(viewer)})
        assert refused.status_code == 403
    with site.logged_in(crm.rep_email) as rep:  # reps change only the accounts they own
        refused = rep.post(remove_path, data={"csrf_token": csrf_token(rep)})
        assert refused.status_code == 403
        assert "You can only change accounts you own" in refused.text
    with site.client() as anonymous:
        assert anonymous.post(remove_path, data={}).status_code == 303  # to the login page
    assert membership_of(site, crm.cto_id).id == cto.id
