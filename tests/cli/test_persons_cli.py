"""``twofold persons erase|export`` against a data directory with events, on both databases."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest
from cli_support import run_cli

from b2c_support import TwoAnns, build_two_anns
from twofold.events.store import EventStore, event_store_path
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database
from twofold.store.models import Person, User


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def anns(database: Database, admin: User, home: Path) -> TwoAnns:
    """The two Anns with their events, built by a pipeline that has stopped since (the
    command line cannot open the event store while a server holds it)."""
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Web")
        source_id = source.id
    ingestion = Ingestion(home, database, rotate_seconds=60)
    ingestion.start()
    try:
        return build_two_anns(database, ingestion, source_id, admin)
    finally:
        ingestion.stop()


def stored_events(home: Path) -> list[tuple[str, int | None]]:
    store = EventStore(event_store_path(home))
    try:
        with store.reader() as reader:
            return reader.execute(
                "SELECT message_id, person_id FROM events ORDER BY message_id"
            ).fetchall()
    finally:
        store.close()


def test_export_then_erase_from_the_command_line(
    database: Database, database_url: str, home: Path, anns: TwoAnns, tmp_path: Path
) -> None:
    out = tmp_path / "annie.json"
    exported = run_cli(
        home, database_url, "persons", "export", str(anns.duplicate), "--out", str(out)
    )
    assert exported.returncode == 0, exported.stderr
    document = orjson.loads(out.read_bytes())
    assert document["person"]["first_name"] == "Annie"
    assert len(document["events"]) == 4
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    to_stdout = run_cli(home, database_url, "persons", "export", str(anns.duplicate))
    assert orjson.loads(to_stdout.stdout)["person_id"] == anns.duplicate

    unconfirmed = run_cli(home, database_url, "persons", "erase", str(anns.duplicate))
    assert unconfirmed.returncode == 1
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.duplicate) is not None

    erased = run_cli(home, database_url, "persons", "erase", str(anns.duplicate), "--yes")
    assert erased.returncode == 0, erased.stderr
    assert f"Erased person {anns.duplicate}." in erased.stdout
    assert "events" in erased.stdout
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.duplicate) is None
    assert stored_events(home) == [("m-keep-identify", anns.keep)]

    again = run_cli(home, database_url, "persons", "erase", str(anns.duplicate), "--yes")
    assert again.returncode == 1
    assert f"no person {anns.duplicate}" in again.stderr
    bad = run_cli(home, database_url, "persons", "export", "zero")
    assert bad.returncode != 0


def test_the_command_line_refuses_while_a_server_holds_the_event_store(
    database: Database, database_url: str, home: Path, anns: TwoAnns
) -> None:
    held = EventStore(event_store_path(home))  # as a running server does
    try:
        for command in (["erase", "--yes"], ["export"]):
            result = run_cli(
                home, database_url, "persons", *command[:1], str(anns.duplicate), *command[1:]
            )
            assert result.returncode == 1
            assert "running Twofold server" in result.stderr
            assert f"/api/v1/persons/{anns.duplicate}/" in result.stderr
    finally:
        held.close()
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.duplicate) is not None
