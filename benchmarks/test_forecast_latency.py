"""Forecast latency at scale (target: < 300 ms at 1M deals), on SQLite and PostgreSQL.

Seeds the demo company like ``test_api_latency.py`` (``TWOFOLD_BENCH_SIZE``, default ``large``;
or reuses ``TWOFOLD_BENCH_DATABASE_URL``), then times real HTTP requests for the forecast of
the current quarter and month, for the whole company and for one manager's team, and the
forecast page. The reference is the bare aggregate SQL over the same deals, through the same
driver: what the storage alone costs.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from test_api_latency import REPEATS, seeded_database, timed

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.auth.credentials import create_api_key, start_web_session
from twofold.auth.users import create_user
from twofold.core.settings import Settings
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.store.database import Database
from twofold.store.models import User

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
REFERENCE_SQL = (
    "SELECT owner_id, forecast_category, currency, sum(amount), sum(amount * probability), "
    "count(*) FROM deals WHERE expected_close_date BETWEEN :start AND :end "
    "GROUP BY owner_id, forecast_category, currency"
)
Row = tuple[str, float, float, float | None, float | None]


def test_forecast_latency(settings: Settings, database: Database) -> None:
    database, size, seed_seconds = seeded_database(database)
    key, cookie = bench_admin(database)
    with database.transaction() as session:
        manager_id = session.scalar(
            select(User.id).where(User.role == "manager", User.manager_id.is_not(None)).limit(1)
        )
    today = datetime.now(UTC).date()
    quarter = period_containing(today, PeriodKind.QUARTER)
    month = period_containing(today, PeriodKind.MONTH)
    rows: list[Row] = []
    server = ThreadedServer(create_app(settings, database=database))
    with (
        server.running() as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client,
    ):
        client.cookies.set("twofold_session", cookie)

        def get(path: str, **params: object) -> Callable[[int], object]:
            def run(_index: int) -> object:
                response = client.get(path, params=params)
                assert response.status_code == 200, response.text[:300]
                return response

            return run

        def reference(start: object, end: object) -> Callable[[int], object]:
            def run(_index: int) -> object:
                with database.engine.connect() as connection:
                    values = {"start": start, "end": end}
                    return connection.execute(text(REFERENCE_SQL), values).all()

            return run

        cases: list[tuple[str, Callable[[int], object], Callable[[int], object] | None]] = [
            (
                "GET /api/v1/forecast?period=<quarter> (company)",
                get("/api/v1/forecast", period=quarter.label),
                reference(quarter.start, quarter.end),
            ),
            (
                "GET /api/v1/forecast?period=<month> (company)",
                get("/api/v1/forecast", period=month.label),
                reference(month.start, month.end),
            ),
            (
                "GET /api/v1/forecast?period=<quarter>&owner=<manager>",
                get("/api/v1/forecast", period=quarter.label, owner=manager_id),
                None,
            ),
            ("GET /forecast (the page)", get("/forecast", period=quarter.label), None),
        ]
        for name, call, ref in cases:
            p50, p95 = timed(call)
            ref50, ref95 = timed(ref) if ref else (None, None)
            rows.append((name, p50, p95, ref50, ref95))
    report_rows("Forecast", database.dialect, size, seed_seconds, rows)


def bench_admin(database: Database) -> tuple[str, str]:
    """An API key and a web session of the benchmark's admin (created on first use)."""
    with database.transaction() as session:
        admin = session.scalar(select(User).where(User.email == "bench@example.com"))
        admin = admin or create_user(
            session,
            email="bench@example.com",
            name="Bench",
            password="bench-password-1",
            role="admin",
        )
        return create_api_key(session, user=admin).secret, start_web_session(
            session, user=admin
        ).token


def report_rows(title: str, dialect: str, size: str, seed_seconds: float, rows: list[Row]) -> None:
    """Print the rows as a Markdown table and append it to ``results/latest.md``."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {title} — {dialect} — {size} — {stamp}",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; seeding took {seed_seconds:.0f} s; "
            f"{REPEATS} sequential requests per row."
        ),
        "",
        "| request | p50 ms | p95 ms | reference SQL p50 ms | reference SQL p95 ms |",
        "|---|---|---|---|---|",
    ]
    for name, p50, p95, r50, r95 in rows:
        ref = f"{r50:.1f} | {r95:.1f}" if r50 is not None and r95 is not None else "— | —"
        lines.append(f"| {name} | {p50:.1f} | {p95:.1f} | {ref} |")
    report = "\n".join(lines) + "\n\n"
    print("\n" + report)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write(report)
