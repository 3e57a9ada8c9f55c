"""The web UI in a real headless Chromium (Debian's, driven by Playwright): the pipeline board
with HTMX, drag and drop, inline stage-gate errors, the account page's org chart and search."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import note_console_error
from playwright.sync_api import Browser, Page, expect
from web_support import Site

from support import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser context (no cookies), logged in through the login form."""
    context = browser.new_context(viewport={"width": 1500, "height": 950}, base_url=site.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    problems: list[str] = []
    tab.on("console", lambda message: note_console_error(problems, message.type, message.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.goto("/pipeline")
    assert "/login" in tab.url  # not logged in yet
    tab.fill("#login-email", site.crm.admin_email)
    tab.fill("#login-password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/pipeline")
    yield tab
    context.close()
    # Nothing the pages do may be blocked by the Content-Security-Policy or throw.
    assert problems == []


def test_moving_cards_on_the_pipeline_board(
    page: Page, site: Site, request: pytest.FixtureRequest
) -> None:
    deal = site.crm.bare_deal_id
    stages = site.crm.stages
    card = page.locator(f"#deal-{deal}")
    expect(card).to_be_visible()

    # A move the stage gate refuses: the message appears on the card, the board stays.
    card.locator("select.card-stage").select_option(label="Solution demo")
    card.get_by_role("button", name="Move").click()
    problem = page.locator(f"#deal-{deal} .card-problem")
    expect(problem).to_contain_text(
        "Cannot enter Solution demo: it requires amount, expected close date"
    )
    expect(page.locator(".board-column")).to_have_count(7)
    expect(
        page.locator(f'.board-column[data-stage-id="{stages["Qualification"]}"] #deal-{deal}')
    ).to_be_visible()
    expect(page.locator(f"#card-{deal}-amount")).to_be_focused()

    # Fill in what the gate asks for, right on the card: the card moves.
    page.fill(f"#card-{deal}-amount", "15000")
    page.fill(f"#card-{deal}-expected_close_date", "2031-01-31")
    page.locator(f"#deal-{deal}").get_by_role("button", name="Move").click()
    moved = page.locator(f'.board-column[data-stage-id="{stages["Solution demo"]}"] #deal-{deal}')
    expect(moved).to_be_visible()
    expect(moved.locator(".card-problem")).to_have_count(0)
    expect(page.locator("#flash")).to_contain_text("Moved Globex Benelux rollout to Solution demo.")

    # Drag and drop takes the same path: the idle pilot goes to Discovery.
    rotting = page.locator(f"#deal-{site.crm.rotting_deal_id}")
    expect(rotting.locator(".badge-rotting")).to_have_text("rotting")
    rotting.drag_to(
        page.locator(f'.board-column[data-stage-id="{stages["Discovery"]}"] .column-head')
    )
    dropped = page.locator(
        f'.board-column[data-stage-id="{stages["Discovery"]}"] #deal-{site.crm.rotting_deal_id}'
    )
    expect(page.locator("#flash")).to_contain_text("Moved Globex DE pilot to Discovery.")
    expect(dropped).to_be_visible()
    expect(dropped).not_to_have_class(re.compile("is-rotting"))  # a new stage, a fresh start

    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"pipeline-board-{site.backend}.png"), full_page=True)

    # The deal page tells the story: the stage change is on the timeline.
    page.locator(f"#deal-{deal} a.card-title").click()
    page.wait_for_url(f"**/deals/{deal}")
    expect(page.locator(".timeline")).to_contain_text(
        "Globex Benelux rollout: moved from Qualification to Solution demo"
    )
    expect(page.locator(".stage-history")).to_contain_text("Solution demo")


def test_account_page_org_chart_and_search(page: Page, site: Site) -> None:
    page.fill("#global-search-input", "carla")
    results = page.locator("#search-results")
    expect(results.locator(".search-group")).to_have_text(["People"])
    results.get_by_role("link", name="Carla Jonas").click()
    page.wait_for_url(f"**/people/{site.crm.cfo_id}")
    page.get_by_role("link", name="Globex Benelux", exact=True).click()
    page.wait_for_url(f"**/accounts/{site.crm.benelux_id}")
    # ECharts drew the org chart; the list is one click away.
    expect(page.locator(".org-chart canvas")).to_be_visible()
    expect(page.locator("[data-org-fallback]")).to_be_hidden()
    page.get_by_role("button", name="Show as a list").click()
    expect(page.locator("[data-org-fallback]")).to_contain_text("Rita Gone")
    expect(page.locator(".tree-current")).to_have_text("Globex Benelux")
    # The person picker searches as you type.
    page.get_by_text("Add a person").click()
    page.fill("#add-person .picker-search", "hank")
    expect(page.locator("#field-person_id option")).to_have_text(
        ["—", "Hank Scorpio <hank@globex.com>"]
    )
    expect(page.locator("#flash")).to_be_empty()
