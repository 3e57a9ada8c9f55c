"""The segment builder in a real headless Chromium: build a rule with the pickers, watch the
live count, save, see the members and the size chart; edit the JSON by hand; a bad rule is
refused with its path. Any console error (a CSP violation included) fails the test."""

from __future__ import annotations

import re

import pytest
from b2c_web_support import MARKETER_EMAIL, B2cSite
from browser_support import logged_in_page
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def test_build_preview_and_save_a_segment(browser: Browser, b2c_site: B2cSite) -> None:
    site = b2c_site
    site.send(
        {
            "type": "identify",
            "userId": "nl-1",
            "traits": {"email": "nl1@example.com", "country": "NL"},
        },
        {
            "type": "identify",
            "userId": "nl-2",
            "traits": {"email": "nl2@example.com", "country": "NL"},
        },
        {
            "type": "track",
            "userId": "nl-1",
            "event": "Product Viewed",
            "properties": {"category": "shoes"},
        },
    )
    site.ingestion.segments.sync()  # the fact mirror, without waiting for the loader's pass
    with logged_in_page(browser, site, MARKETER_EMAIL, "/segments/new") as page:
        builder = page.locator("#segment-builder")
        expect(builder).to_be_visible()
        page.fill("#field-name", "Dutch shoppers")
        row = builder.locator(".rule-row").first
        row.get_by_label("trait").fill("country")
        row.get_by_label("value").fill("NL")
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"^2 match now"))
        expect(page.locator("#preview-sample li")).to_have_count(2)

        # A second condition: viewed a product in the last 30 days.
        builder.get_by_label("kind of condition").first.select_option("event")
        builder.get_by_role("button", name="+ condition").first.click()
        event_row = builder.locator(".rule-row").nth(1)
        event_row.get_by_label("event").fill("Product Viewed")
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"^1 match now"))
        rule = page.locator("#field-rule").input_value()
        assert '"event": "Product Viewed"' in rule
        assert '"trait": "country"' in rule

        page.get_by_role("button", name="Save segment").click()
        page.wait_for_url(re.compile(r"/segments/\d+$"))
        expect(page.locator("h1")).to_have_text("Dutch shoppers")
        expect(page.locator("#segment-members tbody tr")).to_have_count(1)
        expect(page.locator("#segment-members")).to_contain_text("nl1@example.com")
        expect(page.locator(".segment-size-chart canvas")).to_have_count(1)


def test_hand_written_json_and_a_bad_rule(browser: Browser, b2c_site: B2cSite) -> None:
    site = b2c_site
    with logged_in_page(browser, site, MARKETER_EMAIL, "/segments/new") as page:
        expect(page.locator("#segment-builder")).to_be_visible()
        page.fill("#field-name", "Broken")
        page.fill("#field-rule", '{"trait": "country", "op": "like", "value": "NL"}')
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"rule\.op"))
        page.get_by_role("button", name="Save segment").click()
        expect(page.locator(".field-invalid")).to_contain_text("op")
        # Valid JSON typed by hand is shown by the builder and saved as typed.
        page.fill("#field-rule", '{"any": [{"event": "Order Completed", "within_days": 30}]}')
        expect(page.locator("#segment-builder .rule-row")).to_have_count(1)
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"match now"))
        page.get_by_role("button", name="Save segment").click()
        page.wait_for_url(re.compile(r"/segments/\d+$"))
        expect(page.locator(".rule-json")).to_contain_text("Order Completed")
