"""``twofold import events|orders``: real subprocesses, real files, with and without a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.store.database import Database
from twofold.store.models import IdentityMapping, Person


def run_cli(home: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TWOFOLD_HOME": str(home), "TWOFOLD_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "twofold.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def events_table(home: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(home / "events" / "events.duckdb"), read_only=True) as events:
        return events.execute(sql).fetchall()


EVENTS = [
    {"type": "track", "userId": "u-1", "event": "Viewed", "timestamp": "2024-05-01T10:00:00Z"},
    {"type": "track", "userId": "u-2", "event": "Viewed", "timestamp": "2024-05-01T11:00:00Z"},
    {
        "type": "identify",
        "userId": "u-1",
        "traits": {"email": "ann@example.com", "firstName": "Ann"},
        "timestamp": "2024-05-02T09:00:00+02:00",
    },
]


def test_import_events_runs_identity_resolution_and_is_idempotent(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    home = tmp_path / "home"
    assert run_cli(home, database_url, "init").returncode == 0
    file = write_jsonl(tmp_path / "events.jsonl", EVENTS)
    first = run_cli(home, database_url, "import", "events", str(file))
    assert first.returncode == 0, first.stderr
    assert "Imported 3 of 3 rows" in first.stdout
    again = run_cli(home, database_url, "import", "events", str(file))
    assert again.returncode == 0, again.stderr
    assert "Imported 0 of 3 rows (3 already stored" in again.stdout

    rows = events_table(home, "SELECT user_id, person_id, timestamp FROM events ORDER BY timestamp")
    assert len(rows) == 3
    assert all(person_id is not None for _, person_id, _ in rows)
    assert [str(moment) for _, _, moment in rows] == [
        "2024-05-01 10:00:00",
        "2024-05-01 11:00:00",
        "2024-05-02 07:00:00",  # the +02:00 offset converted to UTC
    ]
    assert rows[0][1] == rows[2][1] != rows[1][1]
    with database.transaction(write=False) as session:
        ann = session.scalars(select(Person).where(Person.primary_email == "ann@example.com")).one()
        assert ann.first_name == "Ann"
        assert session.scalar(select(func.count()).select_from(Person)) == 2
        kinds = set(
            session.scalars(select(IdentityMapping.kind).where(IdentityMapping.person_id == ann.id))
        )
    assert kinds == {"user_id", "email"}


def test_invalid_rows_are_reported_by_row_and_nothing_is_stored(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    home = tmp_path / "home"
    assert run_cli(home, database_url, "init").returncode == 0
    file = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            EVENTS[0],
            {"type": "track", "userId": "null", "event": "X", "timestamp": "2024-01-01"},
            {"type": "track", "userId": "u-9", "event": "X", "timestamp": "last tuesday"},
            {"type": "track", "userId": "u-9", "timestamp": "2024-01-01"},
            {"type": "teleport", "userId": "u-9", "timestamp": "2024-01-01"},
            {"type": "track", "userId": "u-9", "event": "X", "timestamp": "2999-01-01"},
        ],
    )
    refused = run_cli(home, database_url, "import", "events", str(file))
    assert refused.returncode == 1
    assert "row 2: a placeholder identifier" in refused.stderr
    assert "row 3: timestamp is not ISO-8601: last tuesday" in refused.stderr
    assert "row 4: track requires an event name" in refused.stderr
    assert "row 5: type must be" in refused.stderr
    assert "row 6: timestamp is in the future" in refused.stderr
    assert events_table(home, "SELECT count(*) FROM events") == [(0,)]

    skipped = run_cli(home, database_url, "import", "events", str(file), "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert "Imported 1 of 6 rows" in skipped.stdout
    assert events_table(home, "SELECT user_id FROM events") == [("u-1",)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.jsonl", "{not json\n", "cannot read it as jsonl"),
        ("data.txt", "hello", "use a .jsonl, .ndjson, .csv or .parquet file"),
        ("latin1.csv", None, "cannot read it as csv"),
    ],
)
def test_unreadable_files_are_clear_errors(
    tmp_path: Path, database_url: str, name: str, content: str | None, message: str
) -> None:
    home = tmp_path / "home"
    assert run_cli(home, database_url, "init").returncode == 0
    path = tmp_path / name
    if content is None:
        path.write_bytes("order_id,name\n1,Caf\xe9\n".encode("latin-1"))
    else:
        path.write_text(content)
    result = run_cli(home, database_url, "import", "events", str(path))
    assert result.returncode == 1
    assert message in result.stderr
    missing = run_cli(home, database_url, "import", "events", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr


def test_orders_from_csv_with_emails(tmp_path: Path, database_url: str, database: Database) -> None:
    home = tmp_path / "home"
    assert run_cli(home, database_url, "init").returncode == 0
    file = tmp_path / "orders.csv"
    file.write_text(
        "order_id,email,total,currency,placed_at,product_id\n"
        "1001,ann@example.com,12.50,EUR,2024-03-01 10:00:00,sku-1\n"
        "1002,bob@example.com,3.00,EUR,2024-03-02,sku-2\n"
        "1003,ann@example.com,7.25,EUR,2024-03-05,sku-3\n"
    )
    result = run_cli(home, database_url, "import", "orders", str(file))
    assert result.returncode == 0, result.stderr
    rows = events_table(
        home,
        "SELECT name, order_id, revenue, currency, person_id FROM events ORDER BY order_id",
    )
    assert [(name, order, str(revenue)) for name, order, revenue, _, _ in rows] == [
        ("Order Completed", "1001", "12.5000"),
        ("Order Completed", "1002", "3.0000"),
        ("Order Completed", "1003", "7.2500"),
    ]
    assert rows[0][4] == rows[2][4] != rows[1][4]
    assert rows[0][4] is not None
    orders = events_table(
        home, "SELECT order_id, status, CAST(net AS VARCHAR), person_id FROM orders ORDER BY 1"
    )
    assert [order[:3] for order in orders] == [
        ("1001", "completed", "12.5000"),
        ("1002", "completed", "3.0000"),
        ("1003", "completed", "7.2500"),
    ]
    assert orders[0][3] == rows[0][4]
    missing_id = tmp_path / "no-id.csv"
    missing_id.write_text("email,total,placed_at\nann@example.com,1,2024-01-01\n")
    refused = run_cli(home, database_url, "import", "orders", str(missing_id))
    assert refused.returncode == 1
    assert "row 1: order_id is missing" in refused.stderr


@pytest.fixture
def running_server(settings: Settings, database: Database) -> Iterator[Settings]:
    app = create_app(settings, database=database)
    server = ThreadedServer(app)
    with server.running():
        yield settings


def test_the_running_server_runs_the_import(
    running_server: Settings, database_url: str, database: Database, tmp_path: Path
) -> None:
    home = running_server.home
    file = write_jsonl(tmp_path / "events.jsonl", EVENTS)
    started = time.monotonic()
    result = run_cli(home, database_url, "import", "events", str(file))
    assert result.returncode == 0, result.stderr
    assert "The server is running: it runs the import." in result.stdout
    assert "Imported 3 of 3 rows" in result.stdout
    assert time.monotonic() - started < 60
    with database.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2
