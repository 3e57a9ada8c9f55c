"""CSV import of persons with the duplicate check: ``twofold import persons`` end to end
(decode, map, check every email and phone, match stored persons, find duplicates, write,
queue the pairs) in one transaction.

Reference in the same run: the same rows, already split, inserted with the driver's
``executemany`` into a copy of the same schema (no checks, no duplicate detection) — the
floor of any import through SQLite with its indexes and search triggers.
Size: ``TWOFOLD_BENCH_PERSON_IMPORT_ROWS`` (default 1,000,000 persons at 50,000 companies;
1 in 100 a misspelt second record of the person before, 1 in 200 sharing a phone).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from twofold.core.settings import sqlite_url_for
from twofold.core.text import search_text
from twofold.csv_import.runner import ImportOptions, import_csv
from twofold.store.database import open_database
from twofold.store.migrate import upgrade_to_latest

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
ROWS = int(os.environ.get("TWOFOLD_BENCH_PERSON_IMPORT_ROWS", "1000000"))
FIRST = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken"]
LAST = ["Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton"]


def write_file(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Phone", "Title"])
        for i in range(ROWS):
            company = f"company{i % 50_000}.com"
            first = FIRST[i % len(FIRST)]
            last = f"{LAST[(i // 7) % len(LAST)]}{i // 1000}"
            if i % 100 == 99:  # a misspelt second record of the person before
                prev = i - 1
                first = FIRST[prev % len(FIRST)]
                last = f"{LAST[(prev // 7) % len(LAST)]}{prev // 1000}x"
                company = f"company{prev % 50_000}.com"
            phone = f"+31 20 {i % 10_000_000:07d}" if i % 5 < 2 else ""
            if i % 200 == 150:
                phone = f"+31 20 {(i - 50) % 10_000_000:07d}"
            writer.writerow([first, last, f"p{i}@{company}", phone, "Engineer"])


def reference_insert(path: Path, database_file: Path) -> float:
    """Plain executemany of the same rows: no checks, no matching, no timeline."""
    started = time.perf_counter()
    connection = sqlite3.connect(database_file)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = [
            (
                first,
                last,
                json.dumps([email]),
                json.dumps([phone] if phone else []),
                email,
                title,
                "lead",
                "{}",
                "{}",
                search_text(first, last, email),
                now,
                now,
                1,
            )
            for first, last, email, phone, title in reader
        ]
    connection.executemany(
        "INSERT INTO persons (first_name, last_name, emails, phones, primary_email, title, "
        "lifecycle_stage, traits, custom, search_text, created_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def fresh_database(home: Path) -> str:
    home.mkdir()
    url = sqlite_url_for(home)
    database = open_database(url)
    upgrade_to_latest(database)
    database.dispose()
    return url


def test_person_import_with_duplicate_detection(tmp_path: Path) -> None:
    source = tmp_path / "persons.csv"
    write_file(source)
    url = fresh_database(tmp_path / "ours")
    database = open_database(url)
    try:
        started = time.perf_counter()
        with database.transaction() as session:
            report = import_csv(
                session, actor=None, kind="persons", data=source.read_bytes(),
                options=ImportOptions(),
            )  # fmt: skip
        ours = time.perf_counter() - started
    finally:
        database.dispose()
    assert report.imported
    assert report.created == ROWS
    reference_home = tmp_path / "reference"
    fresh_database(reference_home)
    floor = reference_insert(source, reference_home / "twofold.sqlite3")

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            f"## Person CSV import — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})",
            "",
            (
                f"{ROWS:,} persons ({source.stat().st_size / 1e6:.0f} MB CSV, 40 % with a "
                "phone) at 50,000 company domains, into an empty SQLite database; one "
                "transaction."
            ),
            "",
            "| | seconds | rows/s |",
            "|---|---:|---:|",
            (
                "| `twofold import persons` (checks, upsert, duplicate check, timeline) "
                f"| {ours:.1f} | {ROWS / ours:,.0f} |"
            ),
            (
                "| reference: `executemany` INSERT of the same rows, no checks "
                f"| {floor:.1f} | {ROWS / floor:,.0f} |"
            ),
            "",
            (
                f"Duplicate candidates queued: {report.queued_duplicates:,} "
                f"(possible duplicates reported: {len(report.possible_duplicates):,})."
            ),
            "",
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "person_import.md").write_text(text)
    print(text)
