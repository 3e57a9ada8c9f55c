"""The B2B intelligence pages in a real headless Chromium: the pipeline analytics charts and
filters, the ABM board and the account's health panel, the contracts list, the duplicate
review and the import wizard. Each page is used the way a person would; every console error
or uncaught exception fails the test (``logged_in_page``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from browser_support import chart_series, logged_in_page
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from test_web_analytics import AnalyticsSite
from web_support import XSS_NAME, Site

from analytics_world import build_analytics_world
from support import count_rows
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.time import utcnow
from twofold.intelligence.recompute import recompute_health
from twofold.store.database import Database
from twofold.store.models import Account, Person, User

pytestmark = pytest.mark.browser


@pytest.fixture
def analytics_site(live_server: str, database: Database, admin: User) -> AnalyticsSite:
    """The live server with tests/analytics_world.py in its database."""
    with database.transaction() as session:
        world = build_analytics_world(session, session.merge(admin))
    return AnalyticsSite(url=live_server, database=database, world=world)


def funnel_reached(page: Page) -> list[tuple[str, int]]:
    """The default pipeline's funnel as ECharts draws it: (label, deals that reached it)."""
    (stages,) = chart_series(page, "[data-funnel-chart='funnel-chart-1']")
    return [(stage["name"], stage["value"]) for stage in stages]


def test_analytics_charts_follow_the_filters(
    browser: Browser, analytics_site: AnalyticsSite
) -> None:
    start = "/pipeline-analytics?period=2027-Q1"
    with logged_in_page(browser, analytics_site, "admin@example.com", start) as page:
        # Seven deals closed in Q1: W1-W3 won (each counts as reaching every stage before
        # "Closed won"), L1 and L3 got past Qualification, L3 also past Discovery.
        assert funnel_reached(page) == [
            ("Qualification (7)", 7),
            ("Discovery (5)", 5),
            ("Solution demo (4)", 4),
            ("Proposal (3)", 3),
            ("Negotiation (3)", 3),
            ("Closed won (3)", 3),
        ]
        expected, actual = chart_series(page, "[data-revenue-chart]")
        assert expected == [700, 14800, 20400]
        # W1 10,000 USD in February; W2 5,000 EUR at 1.20 + W3 8,000 GBP at 1.30 in March.
        assert actual == [0, 10000, 16400]
        expect(page.locator("#stat-win-rate")).to_have_text("42.9%")

        # North America is Globex alone: W2 won, L2 lost in Qualification.
        page.fill("#analytics-region", "NA")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**region=NA*")
        expect(page.locator("#stat-win-rate")).to_have_text("50.0%")
        assert funnel_reached(page) == [
            ("Qualification (2)", 2),
            ("Discovery (1)", 1),
            ("Solution demo (1)", 1),
            ("Proposal (1)", 1),
            ("Negotiation (1)", 1),
            ("Closed won (1)", 1),
        ]
        _, actual = chart_series(page, "[data-revenue-chart]")
        assert actual == [0, 0, 6000]  # W2: 5,000 EUR at 1.20

        # A quarter without closed deals draws no funnel and says so for both pipelines.
        page.fill("#analytics-region", "")
        page.select_option("#analytics-period", "2027-Q2")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**period=2027-Q2*")
        expect(page.locator("[data-funnel-chart]")).to_have_count(0)
        nothing = page.get_by_text("No deals of this pipeline closed in the period.")
        expect(nothing).to_have_count(2)


def add_contract(site: Site, account_id: int, name: str, start_days: int, end_days: int) -> None:
    """An active contract of 1,000 USD a month, ``start_days``/``end_days`` from today."""
    today = utcnow().date()
    with site.database.transaction() as session:
        admin = session.scalars(select(User).where(User.email == site.crm.admin_email)).one()
        data = ContractCreate(
            name=name,
            account_id=account_id,
            status="active",
            start_date=today + timedelta(days=start_days),
            end_date=today + timedelta(days=end_days),
            mrr="1000",
        )
        create_contract(session, actor=admin, data=data)


def recompute(site: Site) -> None:
    with site.database.transaction() as session:
        recompute_health(session, actor=None, store=None, now=utcnow(), default_lead_days=90)


def test_abm_board_columns_and_the_account_health_panel(browser: Browser, site: Site) -> None:
    crm = site.crm
    add_contract(site, crm.germany_id, "DE support", -300, 45)
    recompute(site)
    with logged_in_page(browser, site, crm.admin_email, "/abm") as page:
        columns = {
            status: page.locator(f".abm-{status} .abm-card .card-title").all_inner_texts()
            for status in ("customer", "in_pipeline", "nurture", "cold")
        }
        # Least healthy first inside a column; the sets are what the sample CRM implies:
        # a deal won (Group) or an active contract (Deutschland) makes a customer; open
        # deals and nothing else put Benelux and Initech in pipeline; the rest is cold.
        assert sorted(columns["customer"]) == ["Globex Deutschland", "Globex Group"]
        assert sorted(columns["in_pipeline"]) == ["Globex Benelux", "Initech"]
        assert columns["nurture"] == []
        assert columns["cold"] == [XSS_NAME]  # shown as text, not run
        expect(page.locator(".abm-nurture .cards-empty")).to_have_text("No accounts")
        card = page.locator(".abm-card", has_text="Globex Deutschland")
        expect(card).to_contain_text("Active contract DE support (12000.00 USD ARR)")

        card.get_by_role("link", name="Globex Deutschland").click()
        page.wait_for_url(f"**/accounts/{crm.germany_id}")
        panel = page.locator("#account-intelligence")  # loaded by HTMX after the page
        expect(panel.locator(".abm-status")).to_have_text("Customer")
        # Computed live with the server's event store: nothing recorded about Deutschland
        # costs the full weights of activity (20) and engagement (15); its open deal has no
        # stakeholders (coverage, 15); the contract ends within the renewal lead time without
        # a renewal deal (10). 100 - 60 = 40.
        expect(panel.locator(".health-number")).to_have_text("40")
        expect(panel.locator(".health-reasons li.costs")).to_have_text(
            [
                "No activity recorded (\u221220)",
                "No engagement events from its people (\u221215)",
                "Key buying roles 0% covered on the open deal (\u221215)",
                "Contract DE support ends in 45 days with no renewal deal (\u221210)",
            ]
        )
        expect(panel.locator(".health-reasons li.fine")).to_have_count(4)
        expect(panel.locator(".health-history li")).to_have_count(1)  # today's snapshot


def test_contracts_list_shows_what_is_due(browser: Browser, site: Site) -> None:
    crm = site.crm
    add_contract(site, crm.benelux_id, "Benelux licence", -330, 30)
    add_contract(site, crm.group_id, "Group platform", -10, 355)
    add_contract(site, crm.germany_id, "DE support", -400, -3)
    with logged_in_page(browser, site, crm.admin_email, "/contracts") as page:
        attention = page.locator("section[aria-labelledby=attention-heading]")
        expect(attention.locator("h2")).to_have_text("Needing attention (2)")
        rows = attention.locator("tbody tr")
        expect(rows.filter(has_text="Benelux licence")).to_contain_text(
            "ends in 30 days: no renewal deal, no auto-renew"
        )
        expired = utcnow().date() - timedelta(days=3)
        expect(rows.filter(has_text="DE support")).to_contain_text(
            f"ended on {expired} but is still active"
        )
        soon = page.locator("section[aria-labelledby=soon-heading]")
        expect(soon.locator("h2")).to_have_text("Ending in the next 90 days (1)")
        expect(soon.locator("tbody tr")).to_contain_text("$12,000")
        recent = page.locator("section[aria-labelledby=recent-heading]")
        expect(recent.locator("tbody tr")).to_have_count(1)
        expect(recent.locator("tbody tr")).to_contain_text("Group platform")

        recent.get_by_role("link", name="Globex Group").click()
        page.wait_for_url(f"**/accounts/{crm.group_id}")


def test_duplicate_review_merges_field_by_field(browser: Browser, site: Site) -> None:
    with site.database.transaction() as session:
        first = Account(name="Zeta", domains=["zeta.com"], industry="Software", custom={})
        second = Account(name="Zeta Inc", domains=["zeta.com", "zeta.io"], country="DE", custom={})
        session.add_all([first, second])
        session.flush()
        keep, other = first.id, second.id
    with logged_in_page(browser, site, site.crm.admin_email, "/duplicates?kind=accounts") as page:
        page.get_by_role("button", name="Scan accounts now").click()
        row = page.locator("#duplicates-table tbody tr", has_text="Zeta Inc")
        expect(row).to_contain_text("Zeta")
        row.get_by_role("link", name="Review").click()
        page.wait_for_url("**/duplicates/*")
        table = page.locator("#compare-table")
        page.locator(f"input[name=into][value='{keep}']").check()
        # Take the other record's name and country, keep our industry.
        table.locator(f"input[name='field:name'][value='{other}']").check()
        table.locator(f"input[name='field:country'][value='{other}']").check()
        page.get_by_role("button", name="Merge").click()
        page.wait_for_url(f"**/accounts/{keep}")
        expect(page.locator("h1")).to_contain_text("Zeta Inc")
    with site.database.transaction(write=False) as session:
        kept = session.get_one(Account, keep)
        assert (kept.name, kept.country, kept.industry) == ("Zeta Inc", "DE", "Software")
        assert sorted(kept.domains) == ["zeta.com", "zeta.io"]
        assert session.get(Account, other) is None


def test_import_wizard_upload_map_dry_run_and_import(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    people = count_rows(site.database, "persons")
    upload = tmp_path / "people.csv"
    upload.write_text(
        "Naam,E-mail,Phone\nZed,zed@zeta.com,\nYvonne,not-an-email,\nXavi,xavi@zeta.com,\n"
    )
    with logged_in_page(browser, site, site.crm.admin_email, "/import") as page:
        page.select_option("#kind", "persons")
        page.set_input_files("#file", str(upload))
        page.get_by_role("button", name="Next: map the columns").click()
        page.wait_for_url("**/import/mapping")
        expect(page.locator("h1")).to_have_text("Map the columns of people.csv")
        expect(page.locator("#column-1")).to_have_value("email")  # recognised
        expect(page.locator("#column-0")).to_have_value("")  # "Naam" is not
        page.select_option("#column-0", "first_name")
        page.get_by_role("button", name="Check every row (dry run)").click()
        page.wait_for_url("**/import/check")
        expect(page.locator("#import-result")).to_contain_text(
            "2 valid, 1 with problems, 0 possible duplicates. Nothing has been written."
        )
        problem = page.locator("#import-problems tbody tr")
        expect(problem).to_have_count(1)
        expect(problem).to_contain_text("An email address must have an @-sign.")
        assert problem.locator("td").first.inner_text() == "3"  # the file's third line
        assert count_rows(site.database, "persons") == people
        page.get_by_role("button", name="Import the 2 valid rows only").click()
        expect(page.locator("#import-result")).to_contain_text("2 created, 0 updated, 1 skipped")
    assert count_rows(site.database, "persons") == people + 2
    with site.database.transaction(write=False) as session:
        names = session.scalars(
            select(Person.first_name).where(Person.first_name.in_(["Zed", "Xavi", "Yvonne"]))
        ).all()
    assert sorted(names) == ["Xavi", "Zed"]
