"""Account page and list/search API latency at scale, on SQLite and PostgreSQL.

Seeds the demo company at ``TWOFOLD_BENCH_SIZE`` (default ``large``: 100k accounts, 1M people,
1M deals, 10M activities), serves it with a real uvicorn server and times real HTTP requests.
The reference, in the same run, is the bare SQL of the same page through the same driver:
what the storage alone costs, so the numbers show what our stack adds.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from sqlalchemy import select, text

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.auth.credentials import create_api_key, start_web_session
from twofold.auth.users import create_user
from twofold.cli.progress import RichProgress
from twofold.core.settings import Settings, normalise_database_url
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.store.database import Database, open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import User

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
REPEATS = int(os.environ.get("TWOFOLD_BENCH_REPEATS", "200"))


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(call: Callable[[int], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Run ``call(i)`` ``repeats`` times after a warm-up; p50/p95 in ms."""
    for index in range(5):
        call(index)
    samples = []
    for index in range(repeats):
        started = time.perf_counter()
        call(index)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def seeded_database(database: Database) -> tuple[Database, str, float]:
    """The fixture's database seeded at ``TWOFOLD_BENCH_SIZE``, or (to rerun the measurements
    without seeding again) the already seeded ``TWOFOLD_BENCH_DATABASE_URL``, migrated."""
    reuse = os.environ.get("TWOFOLD_BENCH_DATABASE_URL")
    if reuse:
        existing = open_database(normalise_database_url(reuse))
        if existing.dialect != database.dialect:
            existing.dispose()
            pytest.skip(f"TWOFOLD_BENCH_DATABASE_URL is a {existing.dialect} database")
        upgrade_to_latest(existing)
        return existing, f"an existing seeded database ({_counts(existing)})", 0.0
    size = DemoSize.parse(os.environ.get("TWOFOLD_BENCH_SIZE", "large"))
    started = time.perf_counter()
    with RichProgress(Console()) as progress:
        build_demo_company(database, size=size, progress=progress)
    return database, str(size), time.perf_counter() - started


def _counts(database: Database) -> str:
    with database.engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("accounts", "persons", "deals", "activities")
        }
    return ", ".join(f"{count:,} {table}" for table, count in counts.items())


def test_api_and_account_page_latency(settings: Settings, database: Database) -> None:
    database, size, seed_seconds = seeded_database(database)
    with database.transaction() as session:
        admin = session.scalar(select(User).where(User.email == "bench@example.com"))
        admin = admin or create_user(
            session,
            email="bench@example.com",
            name="Bench",
            password="bench-password-1",
            role="admin",
        )
        key = create_api_key(session, user=admin).secret
        cookie = start_web_session(session, user=admin).token
        account_ids = [
            row[0] for row in session.execute(text("SELECT id FROM accounts ORDER BY id LIMIT 200"))
        ]
        # Tail latency comes from big accounts: the 20 with the most people.
        largest_ids = [
            row[0]
            for row in session.execute(
                text(
                    "SELECT account_id FROM memberships GROUP BY account_id "
                    "ORDER BY count(*) DESC, account_id LIMIT 20"
                )
            )
        ]
    terms = ["acme", "tech", "gmbh", "nova", "smith", "data", "north", "ab"]
    # One or two characters match word starts (docs/decisions/0005-short-search.md): common
    # ones, ones common inside words but rare at their start, rare ones, single letters.
    short_terms = ["ab", "ma", "er", "ko", "yu", "sc", "x", "q"]
    rows: list[tuple[str, float, float, float | None, float | None]] = []
    server = ThreadedServer(create_app(settings, database=database))
    with (
        server.running() as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client,
    ):
        client.cookies.set("twofold_session", cookie)

        def check(response: httpx.Response) -> None:
            assert response.status_code == 200, response.text[:300]

        def sql(statement: str, **params: object) -> Callable[[int], object]:
            def run(index: int) -> object:
                with database.engine.connect() as connection:
                    values = {k: (v(index) if callable(v) else v) for k, v in params.items()}
                    return connection.execute(text(statement), values).all()

            return run

        def search_sql(table: str, order: str, terms: list[str]) -> Callable[[int], object]:
            # The same plan Twofold uses: the FTS5 trigram index on SQLite for 3+ characters.
            def run(index: int) -> object:
                term = terms[index % len(terms)]
                if database.dialect == "sqlite" and len(term) >= 3:
                    where = (
                        f"id IN (SELECT rowid FROM {table}_search WHERE {table}_search MATCH :q)"
                    )
                    value = f'"{term}"'
                else:
                    where, value = "search_text LIKE :q", f"%{term}%"
                statement = f"SELECT * FROM {table} WHERE {where} ORDER BY {order}, id LIMIT 51"
                with database.engine.connect() as connection:
                    return connection.execute(text(statement), {"q": value}).all()

            return run

        def word_prefix_sql(table: str, order: str) -> Callable[[int], object]:
            # The same filter without a plan: walk the list order (the plain SQL).
            escaped = {"_": "!_", "'": "''"}
            separators = [escaped.get(character, character) for character in " .@-_'&+/,()"]

            def run(index: int) -> object:
                term = short_terms[index % len(short_terms)]
                likes = [f"search_text LIKE '{term}%'"] + [
                    f"search_text LIKE '%{separator}{term}%' ESCAPE '!'" for separator in separators
                ]
                where = " OR ".join(likes)
                statement = f"SELECT * FROM {table} WHERE {where} ORDER BY {order}, id LIMIT 51"
                with database.engine.connect() as connection:
                    return connection.execute(text(statement)).all()

            return run

        cases = [
            (
                "GET /api/v1/accounts (first page)",
                lambda _i: check(client.get("/api/v1/accounts")),
                sql("SELECT * FROM accounts ORDER BY name, id LIMIT 51"),
            ),
            (
                "GET /api/v1/accounts?search=",
                lambda i: check(client.get("/api/v1/accounts", params={"search": terms[i % 8]})),
                search_sql("accounts", "name", terms),
            ),
            (
                "GET /api/v1/persons?search=",
                lambda i: check(client.get("/api/v1/persons", params={"search": terms[i % 8]})),
                search_sql("persons", "last_name", terms),
            ),
            (
                "GET /api/v1/persons?search= (1 or 2 characters)",
                lambda i: check(
                    client.get("/api/v1/persons", params={"search": short_terms[i % 8]})
                ),
                word_prefix_sql("persons", "last_name"),
            ),
            (
                "GET /api/v1/deals?account_id=",
                lambda i: check(
                    client.get("/api/v1/deals", params={"account_id": account_ids[i % 200]})
                ),
                sql(
                    "SELECT * FROM deals WHERE account_id = :a "
                    "ORDER BY updated_at DESC, id DESC LIMIT 51",
                    a=lambda i: account_ids[i % 200],
                ),
            ),
            (
                "GET /accounts/{id} (account page)",
                lambda i: check(client.get(f"/accounts/{account_ids[i % 200]}")),
                None,
            ),
            (
                "GET /accounts/{id} (account page, 20 largest accounts)",
                lambda i: check(client.get(f"/accounts/{largest_ids[i % len(largest_ids)]}")),
                None,
            ),
            (
                "GET /accounts/{id}/people/new (form fetched when opened)",
                lambda i: check(
                    client.get(
                        f"/accounts/{largest_ids[i % len(largest_ids)]}/people/new",
                        headers={"HX-Request": "true"},
                    )
                ),
                None,
            ),
            (
                "GET /accounts/{id}/edit (form fetched when opened)",
                lambda i: check(
                    client.get(
                        f"/accounts/{largest_ids[i % len(largest_ids)]}/edit",
                        headers={"HX-Request": "true"},
                    )
                ),
                None,
            ),
        ]
        for name, call, reference in cases:
            p50, p95 = timed(call)
            ref = timed(reference) if reference else (None, None)
            rows.append((name, p50, p95, *ref))
    _report(database.dialect, size, seed_seconds, rows)


def _report(
    dialect: str,
    size: str,
    seed_seconds: float,
    rows: list[tuple[str, float, float, float | None, float | None]],
) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {dialect} — {size} — {stamp}",
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
