"""The B2C pages in a real headless Chromium: create a source and revoke its key, watch the
event debugger fill itself (HTMX polling) with an event and a rejection, the B2C profile with
"load more", a conflict merged from the review page, and an erasure confirmed on the person
page. Any console error (a CSP violation included) fails the test."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from b2c_web_support import MARKETER_EMAIL, B2cSite
from browser_support import logged_in_page
from playwright.sync_api import Browser, expect

from twofold.core.time import utcnow

pytestmark = pytest.mark.browser


def test_create_a_source_and_revoke_its_key(browser: Browser, b2c_site: B2cSite) -> None:
    site = b2c_site
    with logged_in_page(browser, site, site.crm.admin_email, "/sources") as page:
        page.fill("#field-name", "Mobile app")
        page.get_by_role("button", name="Create source").click()
        key = page.locator("#new-write-key")
        expect(key).to_have_value(re.compile(r"^wk_\S+$"))
        secret = key.input_value()
        sent = httpx.post(
            f"{site.url}/v1/track", json={"userId": "a-1", "event": "Opened"}, auth=(secret, "")
        )
        assert sent.status_code == 200
        row = page.locator("#sources-table tr", has_text="Mobile app")
        row.get_by_role("button", name="Revoke").click()
        page.wait_for_url("**/sources")
        expect(page.locator("#sources-table tr", has_text="Mobile app")).to_contain_text("revoked")
        expect(page.locator("#new-write-key")).to_have_count(0)
        refused = httpx.post(
            f"{site.url}/v1/track", json={"userId": "a-1", "event": "Opened"}, auth=(secret, "")
        )
        assert refused.status_code == 401


def test_the_debugger_shows_new_events_and_rejections_live(
    browser: Browser, b2c_site: B2cSite
) -> None:
    site = b2c_site
    with logged_in_page(browser, site, site.crm.admin_email, "/events") as page:
        expect(page.locator("#event-feed")).to_contain_text("Order Completed")
        # Sent while the page is open: polling brings them in without a reload.
        site.send(
            {
                "type": "track",
                "userId": "u-live",
                "event": "Live Event",
                "properties": {"note": "<b>not bold</b>"},
            }
        )
        httpx.post(
            f"{site.url}/v1/track",
            json={"userId": "u-live", "event": {"not": "a name"}},
            auth=(site.write_key, ""),
        )
        live = page.locator(".event-item", has_text="Live Event")
        expect(live).to_be_visible(timeout=15_000)
        live.locator(".event-name").click()
        expect(live.locator("pre.json")).to_contain_text('"note": "<b>not bold</b>"')
        expect(live.locator("b")).to_have_count(0)  # shown as text, never as markup
        expect(page.locator("#rejections")).to_contain_text("event", timeout=15_000)
        expect(page.locator("#rejections .rejection")).to_have_count(1)
        # The opened event stays open while more arrive.
        site.send({"type": "track", "userId": "u-live", "event": "Another One"})
        expect(page.locator(".event-item", has_text="Another One")).to_be_visible(timeout=15_000)
        expect(live.locator("pre.json")).to_be_visible()
        page.select_option("#debugger-source", label="Web shop")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(f"**/events?source_id={site.source_id}")
        expect(page.locator("#event-feed")).to_contain_text("Another One")


def test_the_profile_shows_identities_traits_and_more_events(
    browser: Browser, b2c_site: B2cSite
) -> None:
    site = b2c_site
    start = utcnow() - timedelta(hours=2)
    site.send(
        *(
            {
                "type": "page",
                "userId": "shop-annie",
                "name": f"Page {number:02d}",
                "timestamp": (start + timedelta(seconds=number)).isoformat(),
            }
            for number in range(22)
        )
    )
    person = site.anns.duplicate
    with logged_in_page(browser, site, site.crm.admin_email, f"/people/{person}") as page:
        expect(page.locator("#identities")).to_contain_text("shop-annie")
        expect(page.locator("#identities")).to_contain_text("device-annie")
        expect(page.locator("#traits")).to_contain_text("Utrecht")
        events = page.locator("#person-events > li")
        expect(events).to_have_count(20)
        page.get_by_role("link", name="Load more").click()
        expect(events).to_have_count(26)
        expect(page.locator("#person-events")).to_contain_text("Page 00")
        expect(page.get_by_role("link", name="Load more")).to_have_count(0)


def test_merge_from_the_conflict_review(browser: Browser, b2c_site: B2cSite) -> None:
    site = b2c_site
    with logged_in_page(browser, site, MARKETER_EMAIL, "/identity-conflicts") as page:
        page.locator(f"#conflict-{site.anns.conflict}").get_by_role("link", name="Review").click()
        page.wait_for_url(f"**/identity-conflicts/{site.anns.conflict}")
        expect(page.locator("#compare .compare-side")).to_have_count(2)
        page.get_by_role("button", name="Keep Ann Archer, merge Annie Archer into it").click()
        page.wait_for_url(f"**/people/{site.anns.keep}")
        expect(page.locator(".timeline")).to_contain_text("Merged Annie Archer")
        expect(page.locator("#identities")).to_contain_text("shop-annie")
        page.goto("/identity-conflicts")
        expect(page.locator(".empty")).to_contain_text("No open conflicts")


def test_erase_with_confirmation_from_the_person_page(browser: Browser, b2c_site: B2cSite) -> None:
    site = b2c_site
    person = site.anns.duplicate
    with logged_in_page(browser, site, site.crm.admin_email, f"/people/{person}") as page:
        page.get_by_text("Erase this person…").click()
        erase = page.get_by_role("button", name="Erase Annie Archer")
        erase.click()  # the box is not ticked: the browser keeps the form (required)
        expect(page).to_have_url(f"{site.url}/people/{person}")
        page.get_by_label("I understand that this cannot be undone").check()
        erase.click()
        expect(page.locator("h1")).to_have_text("Annie Archer was erased")
        expect(page.locator("#erasure-report")).to_contain_text("Events")
        response = page.goto(f"/people/{person}")
        assert response is not None
        assert response.status == 404
