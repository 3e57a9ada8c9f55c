"""Pipeline analytics latency at scale (target: < 300 ms at 1M deals), on SQLite and PostgreSQL.

Seeds the demo company like ``test_api_latency.py`` (``TWOFOLD_BENCH_SIZE``, default ``large``;
or reuses ``TWOFOLD_BENCH_DATABASE_URL``), then times real HTTP requests for every report
family of the last full quarter (the one with the most closed deals) for the whole company
and one manager's team, and the page. The reference is the bare SQL that reads what the
reports read (the quarter's closed deals grouped by stage and currency; the open deals),
through the same driver: what the storage alone costs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, text
from test_api_latency import seeded_database, timed
from test_forecast_latency import Row, bench_admin, report_rows

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.store.database import Database
from twofold.store.models import User

pytestmark = pytest.mark.bench
REFERENCE_CLOSED = (
    "SELECT stage_id, currency, count(*), sum(amount) FROM deals "
    "WHERE closed_at >= :start AND closed_at < :end GROUP BY stage_id, currency"
)
REFERENCE_OPEN = (
    "SELECT count(*) FROM deals WHERE stage_id IN (SELECT id FROM stages WHERE kind = 'open')"
)
REPORTS = ("coverage", "funnel", "outcomes", "revenue", "hygiene")


def test_pipeline_analytics_latency(settings: Settings, database: Database) -> None:
    database, size, seed_seconds = seeded_database(database)
    key, cookie = bench_admin(database)
    with database.transaction() as session:
        manager_id = session.scalar(
            select(User.id).where(User.role == "manager", User.manager_id.is_not(None)).limit(1)
        )
    quarter = period_containing(datetime.now(UTC).date(), PeriodKind.QUARTER).preceding()
    start = datetime(quarter.start.year, quarter.start.month, 1, tzinfo=UTC)
    end_day = quarter.following().start
    end = datetime(end_day.year, end_day.month, 1, tzinfo=UTC)
    if database.dialect == "sqlite":
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)  # type: ignore[assignment]
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

        def reference(sql: str, **values: object) -> Callable[[int], object]:
            def run(_index: int) -> object:
                with database.engine.connect() as connection:
                    return connection.execute(text(sql), values).all()

            return run

        closed = reference(REFERENCE_CLOSED, start=start, end=end)
        cases: list[tuple[str, Callable[[int], object], Callable[[int], object] | None]] = []
        for name in REPORTS:
            params: dict[str, object] = {} if name == "hygiene" else {"period": quarter.label}
            ref = reference(REFERENCE_OPEN) if name == "hygiene" else closed
            cases.append(
                (
                    f"GET /api/v1/pipeline-analytics/{name} (company)",
                    get(f"/api/v1/pipeline-analytics/{name}", **params),
                    ref,
                )
            )
            cases.append(
                (
                    f"GET /api/v1/pipeline-analytics/{name}?team_of=<manager>",
                    get(f"/api/v1/pipeline-analytics/{name}", team_of=manager_id, **params),
                    None,
                )
            )
        cases.append(
            (
                "GET /pipeline-analytics (the page, company)",
                get("/pipeline-analytics", period=quarter.label),
                None,
            )
        )
        for name, call, ref in cases:
            p50, p95 = timed(call)
            ref50, ref95 = timed(ref) if ref else (None, None)
            rows.append((name, p50, p95, ref50, ref95))
    report_rows("Pipeline analytics", database.dialect, size, seed_seconds, rows)
