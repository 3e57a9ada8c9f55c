"""The ingestion runtime: what a crash left behind is loaded on start; bad segments set aside."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ingest_support import new_source

from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database


@pytest.fixture
def receipt(database: Database) -> Receipt:
    """Lines come from a real source (identity resolution refers to it)."""
    source_id, _key = new_source(database, "Web shop")
    return Receipt(source_id=source_id, received_at=datetime(2024, 6, 1, 12, tzinfo=UTC))


def line(message_id: str, receipt: Receipt) -> bytes:
    message = {"type": "track", "userId": "u-1", "event": "Viewed", "messageId": message_id}
    return journal_line(message, receipt)


@contextmanager
def running(home: Path, database: Database) -> Iterator[Ingestion]:
    ingestion = Ingestion(home, database, rotate_seconds=60)
    ingestion.start()
    try:
        yield ingestion
    finally:
        ingestion.stop()


def stored(ingestion: Ingestion, columns: str = "message_id") -> list[tuple[Any, ...]]:
    ingestion.flush()
    with ingestion.store.reader() as cursor:
        return cursor.execute(f"SELECT {columns} FROM events ORDER BY message_id").fetchall()


def test_segments_a_crash_left_behind_are_loaded_on_start(
    tmp_path: Path, database: Database, receipt: Receipt
) -> None:
    journal = tmp_path / "events" / "journal"
    journal.mkdir(parents=True)
    (journal / "000000000001.ndjson").write_bytes(line("m1", receipt) + line("m2", receipt))
    (journal / "000000000002.ndjson.part").write_bytes(
        line("m3", receipt) + line("m4", receipt)[:-20]
    )
    with running(tmp_path, database) as ingestion:
        assert stored(ingestion) == [("m1",), ("m2",), ("m3",)]
        assert sorted(path.name for path in journal.iterdir()) == []
        ingestion.journal.append_blocking(line("m4", receipt) + line("m1", receipt))
        # The two waiting segments were one load, named by the last; then one segment.
        assert stored(ingestion, "message_id, load_id") == [
            ("m1", 2),
            ("m2", 2),
            ("m3", 2),
            ("m4", 3),
        ]


def test_a_segment_that_cannot_be_loaded_is_set_aside(
    tmp_path: Path, database: Database, receipt: Receipt
) -> None:
    journal = tmp_path / "events" / "journal"
    journal.mkdir(parents=True)
    broken = b'{"messageId": "m-torn", "type": {"n": 3}\n'
    (journal / "000000000001.ndjson").write_bytes(broken)
    (journal / "000000000002.ndjson").write_bytes(line("m2", receipt))
    with running(tmp_path, database) as ingestion:
        assert stored(ingestion) == [("m2",)]
        assert ingestion.last_error is not None
    assert (journal / "failed" / "000000000001.ndjson").read_bytes() == broken


def test_a_set_aside_segment_number_is_not_reused_after_a_restart(
    tmp_path: Path, database: Database, receipt: Receipt
) -> None:
    # BUG: Ingestion.start passes ``store.next_segment_number()`` (newest *loaded* segment + 1)
    # and Journal.start looks only at files in the journal folder, not in ``failed/``. After
    # the newest segment was set aside, a restart writes a new segment with the same number;
    # if that one fails too, ``_quarantine``'s rename silently overwrites the first.
    journal = tmp_path / "events" / "journal"
    journal.mkdir(parents=True)
    (journal / "000000000001.ndjson").write_bytes(b"not json\n")
    with running(tmp_path, database) as ingestion:
        assert stored(ingestion) == []
    with running(tmp_path, database) as ingestion:
        ingestion.journal.append_blocking(line("m-after-restart", receipt))
        assert stored(ingestion, "message_id, load_id") == [("m-after-restart", 2)]
    assert (journal / "failed" / "000000000001.ndjson").read_bytes() == b"not json\n"


def test_segments_of_a_load_that_were_not_yet_deleted_are_not_stored_again(
    tmp_path: Path, database: Database, receipt: Receipt
) -> None:
    """A stop after a batch of segments was stored as one load but before its files were
    deleted: on start those files are recognised as loaded, the next ones are new."""
    journal = tmp_path / "events" / "journal"
    journal.mkdir(parents=True)
    first = journal / "000000000001.ndjson"
    second = journal / "000000000002.ndjson"
    first.write_bytes(line("m1", receipt))
    second.write_bytes(line("m2", receipt))
    with running(tmp_path, database) as ingestion:
        assert stored(ingestion, "message_id, load_id") == [("m1", 2), ("m2", 2)]
    first.write_bytes(line("m1", receipt))  # as if never deleted
    second.write_bytes(line("m2-changed-in-place", receipt))  # a loaded file is not re-read
    (journal / "000000000003.ndjson").write_bytes(line("m3", receipt))
    with running(tmp_path, database) as ingestion:
        assert stored(ingestion, "message_id, load_id") == [("m1", 2), ("m2", 2), ("m3", 3)]
        with ingestion.store.reader() as cursor:
            loads = cursor.execute(
                "SELECT load_id, first_segment, identities_done FROM loads ORDER BY load_id"
            ).fetchall()
        assert loads == [(2, 1, True), (3, None, True)]
    assert list(journal.glob("*.ndjson")) == []
