"""Bulk import rows/s: ``Ingestion.run_import`` of a Parquet file of Segment-shaped events.

Reference in the same run: DuckDB copying the same file into a table with no checks, no
de-duplication and no identity resolution — the floor any import through DuckDB pays.
Size: ``TWOFOLD_BENCH_IMPORT_ROWS`` (default 1,000,000 rows of 100,000 people).
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from twofold.core.settings import sqlite_url_for
from twofold.ingest.inbox import ImportRequest
from twofold.ingest.runtime import Ingestion
from twofold.store.database import open_database
from twofold.store.migrate import upgrade_to_latest

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
ROWS = int(os.environ.get("TWOFOLD_BENCH_IMPORT_ROWS", "1000000"))


def write_file(path: Path) -> None:
    duckdb.execute(
        f"""
        COPY (
            SELECT CASE WHEN i % 10 = 0 THEN 'identify' ELSE 'track' END AS type,
                   'user-' || (i % {max(1, ROWS // 10)}) AS userId,
                   CASE WHEN i % 10 = 0 THEN NULL
                        ELSE ['Product Viewed', 'Product Added', 'Order Completed'][1 + i % 3]
                   END AS event,
                   TIMESTAMP '2025-01-01' + (i * INTERVAL 1 SECOND) AS timestamp,
                   'sku-' || (i % 997) AS product_id,
                   (i % 50) + 0.99 AS price
            FROM range({ROWS}) t(i)
        ) TO '{path}' (FORMAT parquet)
        """
    )


def test_bulk_import_rows_per_second(tmp_path: Path) -> None:
    source = tmp_path / "events.parquet"
    write_file(source)
    home = tmp_path / "home"
    home.mkdir()
    database = open_database(sqlite_url_for(home))
    upgrade_to_latest(database)
    ingestion = Ingestion(home, database)
    ingestion.start()
    try:
        started = time.perf_counter()
        report = ingestion.run_import(
            ImportRequest(path=str(source), kind="events", source="Bench import")
        )
        ours = time.perf_counter() - started
    finally:
        ingestion.stop()
        database.dispose()

    with duckdb.connect(str(tmp_path / "reference.duckdb")) as reference:
        started = time.perf_counter()
        reference.execute("CREATE TABLE events AS SELECT * FROM read_parquet(?)", [str(source)])
        floor = time.perf_counter() - started

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            f"## Bulk import — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})",
            "",
            (
                f"{ROWS:,} Parquet rows (a tenth of them identify calls) of "
                f"{max(1, ROWS // 10):,} people, SQLite records."
            ),
            "",
            "| import | seconds | rows/s |",
            "|---|---:|---:|",
            (
                f"| twofold import (checks, de-duplication, identities) | {ours:.1f} | "
                f"{ROWS / ours:,.0f} |"
            ),
            f"| reference: DuckDB copy, nothing else | {floor:.1f} | {ROWS / floor:,.0f} |",
            "",
        ]
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write(text + "\n")
    assert report.stored == ROWS
