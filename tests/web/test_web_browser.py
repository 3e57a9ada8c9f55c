"""The web UI in a real headless Chromium (Debian's, driven by Playwright): the pipeline board
with HTMX, drag and drop, inline stage-gate errors, the account page's org chart and search,
and the forecast page's chart, pickers and call form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import note_console_error
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update
from test_web_list_columns import define, set_account_values
from web_support import Site

from support import PASSWORD
from twofold.core.time import utcnow
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.forecasting.quotas import set_quota
from twofold.forecasting.rates import add_exchange_rate
from twofold.forecasting.schemas import ExchangeRateCreate, QuotaSet
from twofold.store.models import Deal, User
from twofold.web.pages import shared

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


def test_forecast_page_chart_pickers_and_a_call(
    page: Page, site: Site, request: pytest.FixtureRequest
) -> None:
    today = utcnow().date()
    quarter = period_containing(today, PeriodKind.QUARTER)
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == site.crm.admin_email)).one()
        rate = ExchangeRateCreate(currency="EUR", rate="1.10", valid_from=quarter.start)
        add_exchange_rate(session, actor=admin, base_currency="USD", data=rate)
        quota = QuotaSet(user_id=admin.id, period=quarter.label, amount="100000")
        set_quota(session, actor=admin, base_currency="USD", data=quota)
        for deal_id in (site.crm.committee_deal_id, site.crm.rep_deal_id):
            session.execute(
                update(Deal).where(Deal.id == deal_id).values(expected_close_date=today)
            )
    page.get_by_role("link", name="Forecast").click()
    page.wait_for_url("**/forecast")
    # EUR 48,000 at 1.10 in pipeline for the admin, USD 7,000 for the rep.
    expect(page.locator(".forecast-pipeline dd")).to_have_text("$59,800")
    expect(page.locator(".forecast-chart canvas")).to_be_visible()
    expect(page.locator(".forecast-rollup tbody tr")).to_have_count(2)

    # The period picker: the next quarter has nothing yet.
    page.select_option("#forecast-period", quarter.following().label)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/forecast?period={quarter.following().label}*")
    expect(page.locator(".forecast-pipeline dd")).to_have_text("$0")
    page.select_option("#forecast-period", quarter.label)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/forecast?period={quarter.label}*")

    # A call: refused without an amount, then recorded and listed.
    page.get_by_role("button", name="Submit call").click()
    expect(page.locator(".form-summary")).to_be_visible()
    page.fill("#field-amount", "50000")
    page.fill("#field-note", "Globex expansion is the swing deal")
    page.get_by_role("button", name="Submit call").click()
    expect(page.locator(".forecast-calls")).to_contain_text("$50,000")
    expect(page.locator(".forecast-calls")).to_contain_text("Globex expansion is the swing deal")

    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"forecast-{site.backend}.png"), full_page=True)


def test_account_page_forms_load_when_opened_and_people_are_removed(
    page: Page, site: Site, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setattr(shared, "TIMELINE_LENGTH", 2)
    account = site.crm.benelux_id
    page.goto(f"/accounts/{account}")
    # The edit form is fetched when "Edit account" is opened.
    expect(page.locator("#field-owner_id")).to_have_count(0)
    page.get_by_text("Edit account").click()
    name = page.locator("#edit #field-name")
    expect(name).to_have_value("Globex Benelux")
    expect(page.locator("#edit #field-owner_id")).to_be_visible()
    page.get_by_text("Add a person").click()
    expect(page.locator("#add-person #field-person_id")).to_be_visible()
    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"account-forms-{site.backend}.png"), full_page=True)
    name.fill("Globex BNL")
    page.locator("#edit").get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("Globex BNL")
    # Older timeline entries come in place of the link.
    timeline = page.locator(".timeline")
    expect(timeline.locator(".timeline-entry")).to_have_count(2)
    timeline.get_by_role("link", name="Show older entries").click()
    expect(timeline.locator(".timeline-entry")).to_have_count(4)
    # Removing a person asks first, then the person is gone from the people and the chart.
    page.get_by_role("link", name="Remove Tim Techno from Globex BNL").click()
    page.wait_for_url(f"**/accounts/{account}/people/*/remove")
    expect(page.locator("h1")).to_have_text("Remove Tim Techno from Globex BNL?")
    page.get_by_role("button", name="Remove Tim Techno").click()
    page.wait_for_url(f"**/accounts/{account}#people-heading")
    people = page.locator("section[aria-labelledby=people-heading]")
    expect(people).to_contain_text("Carla Jonas")
    expect(people).not_to_contain_text("Tim Techno")
    expect(page.locator(".timeline")).to_contain_text("Tim Techno removed from Globex BNL")
    expect(page.locator("#flash")).to_be_empty()


def test_lists_show_chosen_custom_columns_and_filter_by_them(
    page: Page, site: Site, request: pytest.FixtureRequest
) -> None:
    define(site, "account")
    set_account_values(site)
    page.goto("/accounts")
    page.get_by_text("Columns and filters").click()
    page.locator("input[name=columns][value=plan]").check()
    page.locator("input[name=columns][value=seats]").check()
    page.select_option("#filter-plan", "Basic")
    page.get_by_role("button", name="Apply").click()
    table = page.locator("table.data-table")
    expect(table.locator("thead th")).to_contain_text(["Name", "Plan", "Seats"])
    expect(table.locator("tbody tr td:first-child a")).to_have_text(["Globex Benelux", "Initech"])
    expect(page.locator(".active-filters")).to_have_text("Only where Plan is Basic.")
    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    expect(page.locator("details.list-options")).to_have_attribute("open", "")  # filtered
    page.screenshot(path=str(artifacts / f"account-list-{site.backend}.png"), full_page=True)
    # The columns stay when the list is opened again; the filter does not.
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(table.locator("thead th")).to_contain_text(["Name", "Plan", "Seats"])
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(page.locator(".active-filters")).to_have_count(0)
    # Filtering by a date.
    page.get_by_text("Columns and filters").click()
    expect(page.locator("#filter-renewal_on")).to_be_visible()
    page.fill("#filter-renewal_on", "2026-03-01")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr td:first-child a")).to_have_text(["Globex Group"])
    expect(table.locator("tbody tr td").nth(6)).to_have_text("Pro")
