"""``twofold import persons|accounts|memberships|deals`` and ``twofold duplicates scan`` as
real subprocesses: exit codes, reports, nothing written by a refused or dry run."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import run_cli

from support import count_rows
from twofold.store.database import Database
from twofold.store.models import User


def test_import_persons_dry_run_refusal_and_valid_rows(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> None:
    home = tmp_path / "home"
    people = tmp_path / "people.csv"
    people.write_text("Naam,Mail\nAda,ada@acme.com\nBob,nope\nAda L,ADA@acme.com\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Naam": "first_name", "Mail": "email"}))
    args = ("import", "persons", str(people), "--mapping", str(mapping))
    dry = run_cli(home, database_url, *args, "--dry-run")
    assert dry.returncode == 1
    assert "row 3 [email]: 'nope': An email address must have an @-sign." in dry.stderr
    assert "row 4 [email]: is the same person as row 2 (ada@acme.com)" in dry.stderr
    assert "Dry run: 1 of 3 rows are valid, 2 have problems" in dry.stdout
    refused = run_cli(home, database_url, *args)
    assert (refused.returncode, count_rows(database, "persons")) == (1, 0)
    assert "pass --valid-rows-only" in refused.stdout
    done = run_cli(home, database_url, *args, "--valid-rows-only")
    assert done.returncode == 0, done.stderr
    assert "Imported persons: 1 created, 0 updated, 2 skipped" in done.stdout
    assert count_rows(database, "persons") == 1


def test_unreadable_files_and_bad_options(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> None:
    home = tmp_path / "home"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nCafé\n".encode("latin-1"))
    bad = run_cli(home, database_url, "import", "accounts", str(latin))
    assert bad.returncode == 1
    assert "row 2: byte 0xe9 is not valid utf-8" in bad.stderr
    good = run_cli(home, database_url, "import", "accounts", str(latin), "--encoding", "latin-1")
    assert good.returncode == 0, good.stderr
    missing = run_cli(home, database_url, "import", "deals", str(tmp_path / "none.csv"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    no_name = tmp_path / "deals.csv"
    no_name.write_text("amount\n10\n")
    columns = run_cli(home, database_url, "import", "deals", str(no_name))
    assert "missing column: name is required" in columns.stderr
    assert run_cli(home, database_url, "duplicates", "scan", "--kind", "deals").returncode == 1


def test_import_then_scan_duplicates(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> None:
    home = tmp_path / "home"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("name,domain\nAcme,acme.com\nGlobex,globex.com\n")
    assert run_cli(home, database_url, "import", "accounts", str(accounts)).returncode == 0
    more = tmp_path / "more.csv"
    more.write_text("name,domain\nAcme Inc.,acme.io\n")
    result = run_cli(home, database_url, "import", "accounts", str(more))
    assert "1 possible duplicates queued for review" in result.stdout
    scan = run_cli(home, database_url, "duplicates", "scan", "--kind", "accounts")
    assert scan.returncode == 0, scan.stderr
    assert "Compared 3 accounts" in scan.stdout
    assert "1 candidate pairs, 0 new in the review queue" in scan.stdout
