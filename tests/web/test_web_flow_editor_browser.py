"""The flow editor in a real headless Chromium: an abandoned-cart flow from its starter,
changed through the step forms (a box of the diagram opens its form), a task step added,
the reminder email previewed for a person found by name, and the flow activated. Any
console error (a CSP violation included) fails the test."""

from __future__ import annotations

import re

import pytest
from browser_support import logged_in_page
from playwright.sync_api import Browser, expect
from test_web_flow_editor import _templates
from web_support import Site

pytestmark = pytest.mark.browser


def test_build_preview_and_activate_an_abandoned_cart_flow(
    browser: Browser, site: Site, request: pytest.FixtureRequest
) -> None:
    _templates(site)
    with logged_in_page(browser, site, site.crm.admin_email, "/flows") as page:
        page.get_by_role("link", name="New flow from template").click()
        page.get_by_role("link", name="Abandoned cart").click()
        page.get_by_label("Reminder email").select_option(label="Cart reminder")
        page.get_by_role("button", name="Create draft flow").click()
        expect(page.locator(".form-summary")).to_contain_text("choose what the flow needs")
        page.get_by_label("Reminder email").select_option(label="Cart reminder")
        page.get_by_label("Last-call email").select_option(label="Cart reminder")
        page.get_by_role("button", name="Create draft flow").click()
        page.wait_for_url(re.compile(r"/flows/\d+$"))
        flow_url = page.url
        diagram = page.locator("#flow-diagram")
        expect(diagram.locator("a.flow-box")).to_have_count(7)
        expect(diagram).to_contain_text("Email: Cart reminder")

        # A box opens its form: wait two hours instead of one.
        diagram.locator('a.flow-box[data-step="wait"]').click()
        page.wait_for_url(re.compile(r"/steps/wait$"))
        page.get_by_label("Wait for").fill("2")
        page.get_by_role("button", name="Save step").click()
        page.wait_for_url(flow_url)
        expect(diagram.locator('a.flow-box[data-step="wait"]')).to_contain_text("Wait 2 h")

        # A task after the reminder, through the "Add a step" form.
        page.locator("#add-step-kind").select_option("create_task")
        page.locator("#add-step-slot").select_option("reminder.next")
        page.get_by_role("button", name="Add step…").click()
        page.get_by_label("Step name").fill("call")
        page.get_by_label("Task for the person's owner").fill("Call about the cart")
        page.get_by_role("button", name="Add step").click()
        page.wait_for_url(flow_url)
        expect(diagram.locator("a.flow-box")).to_have_count(8)
        expect(
            diagram.locator('.flow-edge[data-source="reminder"][data-target="call"]')
        ).to_have_count(1)

        # The reminder for Hank, found by typing his name.
        diagram.locator('a.flow-box[data-step="reminder"]').click()
        page.wait_for_url(re.compile(r"/steps/reminder$"))
        page.get_by_label("Find people for person").fill("Scorpio")
        person = page.locator("#field-person_id")
        expect(person.locator("option")).to_have_count(2)  # the blank and Hank
        person.select_option(label="Hank Scorpio <hank@globex.com>")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview-subject")).to_have_text("Hank, your cart")
        email = page.frame_locator("#preview-html")
        expect(email.locator("body")).to_contain_text("Hi Hank, your cart is waiting.")
        expect(email.locator("body")).to_contain_text("Our bestsellers are back in stock.")
        artifacts = request.config.rootpath / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / f"flow-preview-{site.backend}.png"), full_page=True)

        page.goto(flow_url)
        page.get_by_role("button", name="Activate").click()
        page.wait_for_url(flow_url)
        expect(page.locator("h1")).to_contain_text("active")
        expect(page.get_by_role("button", name="Pause")).to_be_visible()
        page.screenshot(path=str(artifacts / f"flow-diagram-{site.backend}.png"), full_page=True)
