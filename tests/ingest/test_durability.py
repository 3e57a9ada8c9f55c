"""kill -9 while clients send: every acknowledged event is stored exactly once afterwards."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx

from server_process import Server, run_cli

BATCH_SIZE = 20
SENDERS = 4


@dataclass
class Traffic:
    """Which messageIds were sent, and which of them a 200 acknowledged."""

    sent: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def batch_of(message_ids: list[str]) -> dict[str, Any]:
    return {
        "batch": [
            {
                "type": "track",
                "userId": f"user-{message_id.split('-')[0]}",
                "event": "Durability Probe",
                "messageId": message_id,
                "properties": {"revenue": 1, "padding": "p" * 200},
            }
            for message_id in message_ids
        ]
    }


def send_until_refused(url: str, write_key: str, sender: int, traffic: Traffic) -> None:
    """Send batches of fresh messageIds until the server stops answering."""
    with httpx.Client(base_url=url, auth=(write_key, ""), timeout=10) as client:
        for number in range(1_000_000):
            message_ids = [f"s{sender}-b{number}-m{index}" for index in range(BATCH_SIZE)]
            with traffic.lock:
                traffic.sent.extend(message_ids)
            try:
                response = client.post("/v1/batch", json=batch_of(message_ids))
            except httpx.TransportError:
                return
            if response.status_code != 200:
                return
            with traffic.lock:
                traffic.acknowledged.extend(message_ids)


def stored_counts(home: Path) -> Counter[str]:
    """messageId → number of stored events, read from the DuckDB file the server closed."""
    connection = duckdb.connect(str(home / "events" / "events.duckdb"), read_only=True)
    try:
        rows = connection.execute(
            "SELECT message_id, count(*) FROM events GROUP BY message_id"
        ).fetchall()
    finally:
        connection.close()
    return Counter({str(message_id): int(count) for message_id, count in rows})


def assert_journal_drained(home: Path) -> None:
    journal = home / "events" / "journal"
    assert sorted(path.name for path in journal.iterdir()) == []  # nothing left, none failed


def test_acknowledged_events_survive_kill_9_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    created = run_cli(home, "sources", "create", "Web shop")
    match = re.search(r"Write key: (\S+)", created)
    assert match is not None, created
    write_key = match.group(1)
    log = tmp_path / "server.log"

    server = Server(home, log)
    traffic = Traffic()
    senders = [
        threading.Thread(target=send_until_refused, args=(server.url, write_key, n, traffic))
        for n in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 20
    while len(traffic.acknowledged) < 3_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()  # mid-stream: requests in flight, a journal file open, maybe a load running
    for sender in senders:
        sender.join(timeout=20)
    acknowledged = set(traffic.acknowledged)
    sent = set(traffic.sent)
    assert len(acknowledged) >= BATCH_SIZE * SENDERS
    assert len(sent) > len(acknowledged)  # some were in flight when the server died

    Server(home, log).stop()  # recovers the journal and loads it, then shuts down cleanly
    assert_journal_drained(home)
    counts = stored_counts(home)
    assert acknowledged - set(counts) == set()  # nothing acknowledged was lost
    assert set(counts) - sent == set()
    assert [message_id for message_id, count in counts.items() if count > 1] == []

    # Clients retry what they never heard back about (and more): nothing is stored twice.
    again = Server(home, log)
    ordered = sorted(sent)
    with httpx.Client(base_url=again.url, auth=(write_key, ""), timeout=30) as client:
        for start in range(0, len(ordered), 200):
            response = client.post("/v1/batch", json=batch_of(ordered[start : start + 200]))
            assert response.status_code == 200, response.text
    again.stop()
    assert_journal_drained(home)
    counts = stored_counts(home)
    assert set(counts) == sent
    assert set(counts.values()) == {1}
