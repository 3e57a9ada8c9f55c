"""Sustained ingestion through ``/v1/batch``: events/s, latency, server memory, loader lag.

A real ``twofold serve`` process (SQLite records, DuckDB events, fsync'd journal) receives
batches of ~500 events from load-generator processes on the same machine. The reference in
the same run is a naive ingestion server: stdlib ``json`` parsing, a pydantic model per
message and one SQLite transaction (WAL) per request — what a straightforward implementation does.
Sizes: ``TWOFOLD_BENCH_EVENTS`` (default 300,000) and ``TWOFOLD_BENCH_SENDERS`` (default 2).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
EVENTS = int(os.environ.get("TWOFOLD_BENCH_EVENTS", "300000"))
SENDERS = int(os.environ.get("TWOFOLD_BENCH_SENDERS", "2"))
PER_BATCH = 500

NAIVE_SERVER = """
import sys, json, sqlite3
from datetime import datetime
from typing import Any
from fastapi import FastAPI, Request
from pydantic import BaseModel
import uvicorn

class Message(BaseModel):
    type: str
    messageId: str
    userId: str | None = None
    anonymousId: str | None = None
    event: str | None = None
    timestamp: datetime | None = None
    properties: dict[str, Any] = {}
    context: dict[str, Any] = {}

db = sqlite3.connect(sys.argv[2], check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE IF NOT EXISTS events (message_id TEXT PRIMARY KEY, type TEXT, "
           "user_id TEXT, name TEXT, timestamp TEXT, properties TEXT)")
app = FastAPI()

@app.post("/v1/batch")
async def batch(request: Request) -> dict[str, bool]:
    document = json.loads(await request.body())
    rows = []
    for raw in document["batch"]:
        m = Message(**raw)
        rows.append((m.messageId, m.type, m.userId, m.event, str(m.timestamp),
                     json.dumps(m.properties)))
    with db:  # one transaction (and fsync) per request
        db.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?)", rows)
    return {"success": True}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NAMES = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")


def bench_event(index: int, seed: str, sent_at: str) -> dict[str, Any]:
    """One track call in Segment's shape: product views, carts and orders of 20k users."""
    return {
        "type": "track",
        "messageId": f"{seed}-{index}",
        "userId": f"user-{index % 20000}",
        "event": NAMES[index % 4],
        "timestamp": sent_at,
        "properties": {
            "product_id": f"sku-{index % 997}",
            "category": "shoes",
            "price": 49.95,
            "revenue": 49.95 if index % 4 == 3 else None,
            "currency": "EUR",
        },
        "context": {"library": {"name": "bench", "version": "1"}, "ip": "10.0.0.1"},
    }


def make_batches(count: int, seed: str) -> list[bytes]:
    """Request bodies of PER_BATCH unique events each."""
    sent_at = datetime.now(UTC).isoformat()
    return [
        json.dumps(
            {
                "batch": [
                    bench_event(index, seed, sent_at)
                    for index in range(start, min(count, start + PER_BATCH))
                ],
                "sentAt": sent_at,
            }
        ).encode()
        for start in range(0, count, PER_BATCH)
    ]


def sender(url: str, key: str, batches: list[bytes], results: Any) -> None:
    latencies = []
    failures = 0
    with httpx.Client(base_url=url, auth=(key, ""), timeout=60) as client:
        for body in batches:
            started = time.perf_counter()
            answer = client.post(
                "/v1/batch", content=body, headers={"Content-Type": "application/json"}
            )
            latencies.append(time.perf_counter() - started)
            failures += answer.status_code != 200
    results.put((latencies, failures))


def drive(url: str, key: str, batches: list[bytes], events: int = EVENTS) -> dict[str, float]:
    """Send every batch from SENDERS processes; events/s and latency percentiles."""
    shares = [batches[index::SENDERS] for index in range(SENDERS)]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=sender, args=(url, key, share, queue)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(value for values, _ in outcomes for value in values)
    failures = sum(failed for _, failed in outcomes)
    return {
        "events_per_s": events / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        "failures": failures,
        "seconds": elapsed,
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            httpx.get(url + "/v1/batch", timeout=1)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError("the server did not start")


def twofold(home: Path, *args: str) -> str:
    env = {**os.environ, "TWOFOLD_HOME": str(home)}
    env.pop("TWOFOLD_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "twofold.cli", *args], env=env, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_sustained_batch_ingestion(tmp_path: Path) -> None:
    home = tmp_path / "twofold"
    twofold(home, "init")
    output = twofold(home, "sources", "create", "Bench")
    key = next(line for line in output.splitlines() if line.startswith("Write key: "))[11:]
    batches = make_batches(EVENTS, uuid.uuid4().hex)

    port = free_port()
    env = {**os.environ, "TWOFOLD_HOME": str(home)}
    env.pop("TWOFOLD_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "twofold.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, server)
        ours = drive(url, key, batches)  # first contact: 20,000 people created on the way
        ours["server_peak_rss_mb"] = rss_mb(server.pid)
        time.sleep(2)
        steady = drive(url, key, make_batches(EVENTS, uuid.uuid4().hex))  # known people
        acknowledged = time.perf_counter()
        steady["server_peak_rss_mb"] = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=300)
    steady["loaded_after_s"] = time.perf_counter() - acknowledged
    with duckdb.connect(str(home / "events" / "events.duckdb"), read_only=True) as events:
        row = events.execute("SELECT count(*) FROM events").fetchone()
    stored = int(row[0]) if row else 0

    naive_port = free_port()
    script = tmp_path / "naive.py"
    script.write_text(NAIVE_SERVER)
    naive = subprocess.Popen(
        [sys.executable, str(script), str(naive_port), str(tmp_path / "naive.sqlite3")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    naive_url = f"http://127.0.0.1:{naive_port}"
    try:
        wait_for(naive_url, naive)
        reference = drive(naive_url, "unused", batches)
        reference["server_peak_rss_mb"] = rss_mb(naive.pid)
    finally:
        naive.send_signal(signal.SIGINT)
        naive.wait(timeout=60)

    report({"Twofold, first contact": ours, "Twofold, known people": steady}, reference, stored)
    assert ours["failures"] == steady["failures"] == 0
    assert stored == 2 * EVENTS


def report(ours: dict[str, dict[str, float]], reference: dict[str, float], stored: int) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"## Ingestion through /v1/batch — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})",
        "",
        (
            f"{EVENTS:,} events in batches of {PER_BATCH} from {SENDERS} sender processes on "
            "the same machine."
        ),
        "",
        "| server | events/s | p50 ms | p99 ms | peak RSS MB | failures |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, numbers in (*ours.items(), ("naive reference", reference)):
        lines.append(
            f"| {label} | {numbers['events_per_s']:,.0f} | {numbers['p50_ms']:.1f} | "
            f"{numbers['p99_ms']:.1f} | {numbers['server_peak_rss_mb']:.0f} | "
            f"{numbers['failures']:.0f} |"
        )
    lines += [
        "",
        (
            f"Twofold stored {stored:,} events in DuckDB; the loader finished "
            f"{ours['Twofold, known people']['loaded_after_s']:.1f} s after the last "
            "acknowledgement (shutdown included)."
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write(text + "\n")
