"""``twofold segments ...`` as a real subprocess, on both databases: the same rules and the
same members as the API, and clear errors (non-zero exit) for every bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from cli_support import run_cli
from sqlalchemy import select

from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.segments.starters import STARTERS
from twofold.store.database import Database
from twofold.store.models import Segment, User

DUTCH = json.dumps({"trait": "country", "op": "eq", "value": "NL"})


@pytest.fixture
def home(tmp_path: Path, database: Database, admin: User) -> Path:
    with database.transaction() as session:
        for first, email, country in (("Ann", "ann@example.com", "NL"),
                                      ("Bob", "bob@example.com", "BE"),
                                      ("Cas", "cas@example.com", "NL")):  # fmt: skip
            person = create_person(
                session, actor=admin, data=PersonCreate(first_name=first, emails=[email])
            )
            person.traits = {"country": country}
    return tmp_path / "home"


def test_create_list_preview_export_update_delete(
    home: Path, database_url: str, tmp_path: Path
) -> None:
    preview = run_cli(home, database_url, "segments", "preview", "--rule", DUTCH)
    assert preview.returncode == 0, preview.stderr
    assert "2 would match" in preview.stdout

    rule_file = tmp_path / "dutch.json"
    rule_file.write_text(DUTCH)
    created = run_cli(home, database_url, "segments", "create", "Dutch", "--rule", f"@{rule_file}")
    assert created.returncode == 0, created.stderr
    assert "2 members" in created.stdout
    segment = created.stdout.split("Created segment ")[1].split(" ")[0]

    listed = run_cli(home, database_url, "segments", "list")
    assert "Dutch" in listed.stdout
    assert " 2 " in listed.stdout
    assert "Win-back (no order in 180 days)" in listed.stdout  # a starter, made by init

    out = tmp_path / "dutch.csv"
    exported = run_cli(home, database_url, "segments", "export", segment, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["id", "name", "email", "entered_at"]
    assert sorted(row[2] for row in rows[1:]) == ["ann@example.com", "cas@example.com"]

    audience = run_cli(home, database_url, "segments", "export", segment, "--audience", "google")
    hashed = list(csv.reader(io.StringIO(audience.stdout)))
    assert hashlib.sha256(b"ann@example.com").hexdigest() in {row[0] for row in hashed}

    belgian = json.dumps({"trait": "country", "op": "eq", "value": "BE"})
    updated = run_cli(home, database_url, "segments", "update", segment, "--rule", belgian)
    assert updated.returncode == 0, updated.stderr
    again = run_cli(home, database_url, "segments", "export", segment)
    assert [row[2] for row in csv.reader(io.StringIO(again.stdout))][1:] == ["bob@example.com"]

    deleted = run_cli(home, database_url, "segments", "delete", segment)
    assert deleted.returncode == 0, deleted.stderr
    assert "Dutch" not in run_cli(home, database_url, "segments", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "X", "--rule", "{not json"], "the rule is not JSON"),
        (["create", "X", "--rule", '{"trait": "country", "op": "like"}'], "rule.op"),
        (["create", "X", "--rule", "@/nonexistent.json"], "no rule file"),
        (["create", "X", "--rule", DUTCH, "--target", "companies"], "--target"),
        (["create", "X", "--rule", '{"segment": 999}'], "segment 999 does not exist"),
        (["preview", "--rule", '{"all": []}'], "rule.all"),
        (["export", "999"], "no segment 999"),
        (["export", "2", "--audience", "tiktok"], "--audience"),
        (["delete", "999"], "no segment 999"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    home: Path, database_url: str, database: Database, args: list[str], message: str
) -> None:
    result = run_cli(home, database_url, "segments", *args)
    assert result.returncode != 0
    assert message in result.stderr
    with database.transaction(write=False) as session:
        names = set(session.scalars(select(Segment.name)))
    assert "X" not in names  # at most the starters that init makes
    assert len(names) in {0, len(STARTERS)}
