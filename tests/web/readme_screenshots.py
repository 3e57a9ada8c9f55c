"""Take the README's screenshots of the web UI on the demo company (not a test).

    .venv/bin/python tests/web/readme_screenshots.py [docs/images]

Builds the default-size demo company into a temporary SQLite database, serves it with a real
uvicorn server, logs in as the head of sales through the login form in Debian's Chromium and
saves ``pipeline-board.png`` and ``account-page.png``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: support.py

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DEFAULT_SIZE
from twofold.demo.team import DEMO_PASSWORD
from twofold.store.database import Database, open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import Account, Deal, Membership, User

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def showcase_account(database: Database) -> int:
    """An account with subsidiaries, open deals and a readable number of people."""
    with database.sessions() as session:
        people = func.count(Membership.id)
        child = aliased(Account)
        query = (
            select(Account.id)
            .join(Membership, Membership.account_id == Account.id)
            .where(
                exists().where(child.parent_id == Account.id),
                exists().where(Deal.account_id == Account.id, Deal.closed_at.is_(None)),
            )
            .group_by(Account.id)
            .having(people.between(8, 20))
            .order_by(people.desc(), Account.id)
            .limit(1)
        )
        account_id = session.scalar(query) or session.scalar(select(Account.id).limit(1))
        assert account_id is not None
        return account_id


def head_of_sales(database: Database) -> str:
    """The first manager: sees and may move every deal."""
    with database.sessions() as session:
        email = session.scalar(select(User.email).where(User.role == "manager").order_by(User.id))
        assert email is not None
        return email


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#login-email", email)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/pipeline")


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{Path(home) / 'twofold.sqlite3'}"
        database = open_database(url)
        upgrade_to_latest(database)
        build_demo_company(database, size=DEFAULT_SIZE)
        settings = Settings(home=Path(home), database_url=url, secret_key="screenshots")
        server = ThreadedServer(create_app(settings, database=database))
        with server.running() as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=ARGS
            )
            context = browser.new_context(
                viewport={"width": 1600, "height": 1000}, base_url=base_url, device_scale_factor=1
            )
            page = context.new_page()
            log_in(page, head_of_sales(database))
            page.screenshot(path=str(target / "pipeline-board.png"))
            page.set_viewport_size({"width": 1440, "height": 1700})
            page.goto(f"/accounts/{showcase_account(database)}")
            page.wait_for_selector(".org-chart canvas")
            page.wait_for_timeout(500)  # the chart's entry animation
            page.screenshot(path=str(target / "account-page.png"))
            browser.close()
        database.dispose()
    print(f"saved {target / 'pipeline-board.png'} and {target / 'account-page.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))
