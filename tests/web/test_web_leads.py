"""The lead pages over HTTP and in Chromium: the form builder and a form's page, a public
submission landing in the inbox, filters, bulk assignment, the lead page with its score
reasons, and a conversion through HTMX into the account that has the lead's domain."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from browser_support import logged_in_page
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from web_support import XSS_NAME, Site, csrf_token

from twofold.leads.actions import LeadCreate, create_lead
from twofold.leads.scoring_config import set_scoring_rules
from twofold.store.models import Deal, Lead, Membership, User

RULES = {"fit": [{"field": "title", "op": "contains", "value": "VP", "points": 10}]}


def _leads(site: Site) -> dict[str, int]:
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == site.crm.admin_email)).one()
        set_scoring_rules(session, actor=admin, document=RULES)
        made = {
            "vp": create_lead(
                session,
                actor=admin,
                data=LeadCreate(
                    email="vera@globex.com", first_name="Vera", last_name="Vos", title="VP Ops"
                ),
            ).lead,
            "xss": create_lead(
                session,
                actor=admin,
                data=LeadCreate(email="x@evil.example", first_name=XSS_NAME, company=XSS_NAME),
            ).lead,
        }
        from twofold.leads.scoring import compute_score, lead_facts  # noqa: PLC0415
        from twofold.leads.scoring_config import scoring_rules  # noqa: PLC0415

        for lead in made.values():  # no event store here: fit rules only
            score = compute_score(scoring_rules(session), lead_facts(lead, None), {})
            lead.score, lead.score_reasons = score.points, [r.as_dict() for r in score.reasons]
        return {key: lead.id for key, lead in made.items()}


def test_form_builder_submission_inbox_and_bulk_assignment(site: Site) -> None:
    with site.logged_in() as client:
        token = csrf_token(client)
        builder = client.get("/forms/new")
        assert builder.status_code == 200
        assert 'name="fields-0-name" value="email"' in builder.text
        row = client.get("/forms/field-row", params={"index": 7})
        assert 'name="fields-7-type"' in row.text
        assert "/forms/field-row?index=8" in row.text
        refused = client.post(
            "/forms",
            data={"csrf_token": token, "name": "Bad", "fields-0-name": "company"},
        )
        assert refused.status_code == 422
        assert "needs an &#39;email&#39; field" in refused.text
        created = client.post(
            "/forms",
            data={
                "csrf_token": token,
                "name": "Demo request",
                "fields-0-name": "email",
                "fields-0-type": "email",
                "fields-1-name": "name",
                "fields-1-required": "on",
                "fields-2-name": "title",
                "fields-3-name": "",  # a blank row
                "consent_text": "Keep me posted",
                "limit_per_address": "10",
                "limit_per_form": "100",
            },
        )
        assert created.status_code == 303, created.text
        page = client.get(created.headers["location"])
        found = re.search(r'href="/f/(frm_[A-Za-z0-9_-]+)"', page.text)
        assert found
        assert "&lt;form class=&#34;twofold-form&#34;" in page.text or "&lt;form class" in page.text
        with httpx.Client(base_url=site.url) as visitor:
            hosted = visitor.get(f"/f/{found.group(1)}")
            assert 'name="consent"' in hosted.text
            visitor.post(
                f"/f/{found.group(1)}",
                json={"email": "sam@initech.com", "name": "Sam Smith", "title": "VP IT"},
            ).raise_for_status()
        inbox = client.get("/leads")
        assert "Sam Smith" in inbox.text
        assert "Demo request" in inbox.text
        lead_id = int(re.search(r'name="lead_id" value="(\d+)"', inbox.text).group(1))  # type: ignore[union-attr]
        assert "Sam Smith" not in client.get("/leads", params={"status": "qualified"}).text
        assert client.get("/leads", params={"status": "hot"}).status_code == 422
        rep_id = re.search(r'<option value="(\d+)">Rex Rep</option>', inbox.text).group(1)  # type: ignore[union-attr]
        assigned = client.post(
            "/leads/assign",
            data={"csrf_token": token, "lead_id": [str(lead_id)], "owner_id": rep_id},
        )
        assert assigned.status_code == 303
        assert "Sam Smith" in client.get("/leads", params={"owner": rep_id}).text
        no_csrf = client.post("/leads/assign", data={"lead_id": [str(lead_id)], "owner_id": "1"})
        assert no_csrf.status_code == 403
    with site.database.transaction() as session:
        assert session.get_one(Lead, lead_id).owner_id == int(rep_id)
    with site.logged_in(site.crm.viewer_email) as viewer:
        refused = viewer.post(
            "/leads/assign",
            data={"csrf_token": csrf_token(viewer), "lead_id": [str(lead_id)], "owner_id": "1"},
        )
        assert refused.status_code == 403


def test_lead_page_shows_reasons_and_escapes(site: Site) -> None:
    ids = _leads(site)
    with site.logged_in() as client:
        page = client.get(f"/leads/{ids['vp']}")
        assert page.status_code == 200
        assert "title contains VP" in page.text
        assert "Globex Group" in page.text  # the matched account, named before converting
        xss = client.get(f"/leads/{ids['xss']}")
        assert "<script>alert" not in xss.text
        assert "&lt;script&gt;" in xss.text
        assert client.get("/leads/999999").status_code == 404
        older = client.get(f"/timeline/lead/{ids['vp']}", params={"before": 10**9})
        assert older.status_code == 200
        assert "Lead Vera Vos created" in older.text


@pytest.fixture
def tab(browser: Browser, site: Site) -> Iterator[Page]:
    with logged_in_page(browser, site, site.crm.admin_email, "/leads") as page:
        yield page


@pytest.mark.browser
def test_inbox_and_conversion_in_chromium(tab: Page, site: Site) -> None:
    ids = _leads(site)
    tab.reload()
    rows = tab.locator("#leads-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Vera Vos")  # best score first
    tab.select_option("#lead-owner", "none")  # HTMX reloads the list
    tab.wait_for_url("**owner=none**")
    expect(tab.locator("#leads-table tbody tr")).to_have_count(2)
    tab.check(f'input[name="lead_id"][value="{ids["vp"]}"]')
    tab.select_option("#bulk-owner", label="Rex Rep")
    tab.get_by_role("button", name="Assign").click()
    expect(tab.locator("#leads-table tbody tr")).to_have_count(1)  # still filtered: nobody's
    tab.goto(f"/leads/{ids['vp']}")
    expect(tab.locator("#score-reasons")).to_contain_text("title contains VP")
    expect(tab.locator("#lead-conversion")).to_contain_text("Globex Group")
    tab.check('input[name="create_deal"]')
    tab.fill("#field-amount", "12000")
    tab.fill("#field-currency", "EUR")
    tab.get_by_role("button", name="Convert").click()
    panel = tab.locator("#lead-conversion")
    expect(panel).to_contain_text("Converted")
    expect(panel.get_by_role("link", name="Globex Group")).to_be_visible()
    with site.database.transaction() as session:
        lead = session.get_one(Lead, ids["vp"])
        assert lead.status == "converted"
        assert lead.converted_account_id == site.crm.group_id
        deal = session.get_one(Deal, lead.converted_deal_id)
        assert (deal.account_id, str(deal.currency)) == (site.crm.group_id, "EUR")
        membership = session.scalar(
            select(Membership).where(
                Membership.person_id == lead.person_id, Membership.account_id == site.crm.group_id
            )
        )
        assert membership is not None
    tab.reload()
    expect(tab.locator("#convert-form")).to_have_count(0)  # converting twice is not offered


@pytest.mark.browser
def test_form_builder_adds_rows_in_chromium(tab: Page) -> None:
    tab.goto("/forms/new")
    expect(tab.locator(".field-row")).to_have_count(7)  # 5 starter fields + 2 blank
    tab.locator("#add-field").click()
    expect(tab.locator(".field-row")).to_have_count(8)
    tab.fill("#field-name", "Webinar sign-up")
    tab.fill("#fields-5-name", "seats")
    tab.select_option("#fields-5-type", "number")
    tab.get_by_role("button", name="Save form").click()
    expect(tab.locator("#form-snippet")).to_contain_text('name="seats"')
