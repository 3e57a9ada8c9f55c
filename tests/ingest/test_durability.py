"""kill -9 while clients send: every acknowledged event is stored exactly once afterwards."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx

from support import free_port

BATCH_SIZE = 20
SENDERS = 4


def cli_environment(home: Path) -> dict[str, str]:
    """The process environment with only our data directory (SQLite, the default database)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TWOFOLD_")}
    return {**inherited, "TWOFOLD_HOME": str(home)}


def run_cli(home: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "twofold.cli", *args],
        capture_output=True,
        text=True,
        env=cli_environment(home),
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    """``twofold serve`` as a real process."""

    def __init__(self, home: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "twofold.cli", "serve", "--port", str(self.port)],
            env=cli_environment(home),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, f"the server exited: {log.read_text()}"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        """SIGTERM: uvicorn shuts the app down, which loads every segment left."""
        self.process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert self.process.wait(timeout=30) in {0, -signal.SIGTERM}
        self._log.close()


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
