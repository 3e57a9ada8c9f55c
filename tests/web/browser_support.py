"""Debian's Chromium driven by Playwright, shared by the browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from support import PASSWORD

REFUSED_FORM = "Failed to load resource: the server responded with a status of 4"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Served(Protocol):
    """Anything with the live server's address (``Site``, ``AnalyticsSite``, ...)."""

    @property
    def url(self) -> str:
        """The server's base URL."""
        ...


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; skipped where it is missing (a failure on CI, which must have it)."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must run the browser tests")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def logged_in_page(browser: Browser, site: Served, email: str, start: str) -> Iterator[Page]:
    """A fresh context logged in through the form at ``start``; fails on any console error
    (which includes Content-Security-Policy violations) or uncaught exception."""
    context = browser.new_context(viewport={"width": 1500, "height": 950}, base_url=site.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    problems: list[str] = []
    tab.on("console", lambda message: note_console_error(problems, message.type, message.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.goto(start)
    tab.fill("#login-email", email)
    tab.fill("#login-password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"**{start}")
    try:
        yield tab
    finally:
        context.close()
    assert problems == []


def note_console_error(problems: list[str], kind: str, text: str) -> None:
    """Keep console errors, except a refused form's 4xx (422, 403): expected, not a fault."""
    if kind == "error" and not text.startswith(REFUSED_FORM):
        problems.append(text)


def chart_series(page: Page, selector: str) -> list[list[Any]]:
    """The data of each series ECharts drew in the chart container at ``selector`` (what the
    chart shows, read back from the chart itself rather than from the page's JSON)."""
    page.locator(f"{selector} canvas").first.wait_for()
    series: list[list[Any]] = page.evaluate(
        """selector => window.echarts.getInstanceByDom(document.querySelector(selector))
            .getOption().series.map(item => item.data)""",
        selector,
    )
    return series
