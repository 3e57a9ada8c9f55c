"""Sequence pages: the list and a new sequence (bad input refused, nothing stored), the step
editor (add, refuse a broken template with its step, keep the steps), enrolling from the
person page, pause and stop buttons, "My tasks"; and in a real browser, building a sequence
and enrolling a contact from their page."""

from __future__ import annotations

import re

import pytest
from browser_support import logged_in_page
from playwright.sync_api import Browser, expect
from web_support import Site, csrf_token

from support import count_rows
from twofold.sequences.actions import get_sequence


def _steps(site: Site, sequence_id: int) -> list[dict[str, object]]:
    with site.database.transaction(write=False) as session:
        return list(get_sequence(session, sequence_id).steps)


def test_sequence_pages_editor_and_enrolment(site: Site) -> None:
    with site.logged_in() as client:
        assert "New sequence" in client.get("/sequences").text
        token = csrf_token(client)
        for bad in ({"name": ""}, {"name": "Outbound", "timezone": "Mars/Olympus"}):
            refused = client.post("/sequences", data={"csrf_token": token, **bad})
            assert refused.status_code == 422, bad
        assert count_rows(site.database, "sequences") == 0
        created = client.post("/sequences", data={"csrf_token": token, "name": "Outbound"})
        assert created.status_code == 303
        url = created.headers["location"]
        sequence_id = int(url.rsplit("/", 1)[1])
        editor = client.get(url).text
        assert 'name="step-0-subject"' in editor
        form = {
            "csrf_token": token,
            "version": "1",
            "name": "Outbound",
            "timezone": "Europe/Berlin",
            "status": "active",
            "description": "",
            "step_count": "1",
            "step-0-type": "email",
            "step-0-subject": "Hello {{ person.first_name }}",
            "step-0-body": "Hi <b>there</b>",
            "step-0-position": "1",
            "add_step": "wait",
        }
        assert client.post(url, data=form).status_code == 303
        assert [step["type"] for step in _steps(site, sequence_id)] == ["email", "wait"]
        version = re.search(r'name="version" value="(\d+)"', client.get(url).text)
        assert version is not None
        broken = {
            **form,
            "version": version.group(1),
            "step-0-subject": "Hello {{ person.first_name",
            "add_step": "",
        }
        refused = client.post(url, data=broken)
        assert refused.status_code == 422
        assert "subject: line 1" in refused.text
        assert len(_steps(site, sequence_id)) == 2

        person = site.crm.ceo_id
        enrolled = client.post(
            f"/people/{person}/sequences", data={"csrf_token": token, "sequence_id": sequence_id}
        )
        assert enrolled.status_code == 303
        page = client.get(f"/people/{person}").text
        assert 'id="person-enrollments"' in page
        assert "Outbound" in page
        again = client.post(
            f"/people/{person}/sequences", data={"csrf_token": token, "sequence_id": sequence_id}
        )
        assert again.status_code == 409
        nothing = client.post(
            f"/people/{person}/sequences", data={"csrf_token": token, "sequence_id": "x"}
        )
        assert nothing.status_code == 422
        assert count_rows(site.database, "sequence_enrollments") == 1
        enrollment = re.search(r"/sequence-enrollments/(\d+)/pause", page)
        assert enrollment is not None
        base = f"/sequence-enrollments/{enrollment.group(1)}"
        back = {"csrf_token": token, "back": f"/sequences/{sequence_id}"}
        assert client.post(f"{base}/pause", data=back).status_code == 303
        assert client.post(f"{base}/launch", data=back).status_code == 422
        assert client.post(f"{base}/stop", data=back).status_code == 303
        assert "stopped by a user" in client.get(url).text
        assert client.get("/my-tasks").status_code == 200

    with site.logged_in(site.crm.viewer_email) as viewer:
        token = csrf_token(viewer)
        answer = viewer.post("/sequences", data={"csrf_token": token, "name": "Viewer's"})
        assert answer.status_code == 403
    assert count_rows(site.database, "sequences") == 1


@pytest.mark.browser
def test_build_a_sequence_and_enrol_a_contact_in_the_browser(browser: Browser, site: Site) -> None:
    with logged_in_page(browser, site, site.crm.admin_email, "/sequences") as tab:
        tab.fill("#field-name", "Discovery")
        tab.get_by_role("button", name="Create sequence").click()
        tab.wait_for_url(re.compile(r"/sequences/\d+$"))
        tab.fill("#step-0-subject", "Quick question, {{ person.first_name }}")
        tab.select_option("#add-step", "task")
        tab.get_by_role("button", name="Save sequence").click()
        expect(tab.locator("#step-1-subject")).to_be_visible()
        tab.fill("#step-1-subject", "Call the CTO")
        tab.get_by_role("button", name="Save sequence").click()
        expect(tab.locator("#step-1-subject")).to_have_value("Call the CTO")

        tab.goto(f"/people/{site.crm.cto_id}")
        tab.get_by_text("Enrol in a sequence…").click()
        tab.select_option("#enrol-sequence", label="Discovery")
        tab.get_by_role("button", name="Enrol", exact=True).click()
        tab.wait_for_url(re.compile(r"#sequences$"))
        entry = tab.locator("#person-enrollments li")
        expect(entry).to_contain_text("Discovery")
        expect(entry).to_contain_text("step")
