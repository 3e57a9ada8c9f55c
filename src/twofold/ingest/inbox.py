"""Hand a bulk import to the process that owns the event store.

DuckDB lets one process write a database file. When the server runs, ``twofold import``
cannot open it, so it drops a request file into ``<home>/events/imports/`` and the server's
loader thread runs the import, writing its progress and result next to the request, which
the command shows. Whoever can write into the data directory can already open the records
database, so the inbox needs no other credential.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

REQUEST_SUFFIX = ".request.json"
STATUS_SUFFIX = ".status.json"


@dataclass(frozen=True)
class ImportRequest:
    """What to import, as the command received it."""

    path: str
    kind: str
    source: str
    skip_invalid: bool = False
    file_format: str | None = None


def inbox_directory(home: Path) -> Path:
    return home / "events" / "imports"


def submit(home: Path, request: ImportRequest) -> str:
    """Queue a request for the server; returns its id."""
    directory = inbox_directory(home)
    directory.mkdir(parents=True, exist_ok=True)
    request_id = uuid.uuid4().hex
    _write_atomically(directory / f"{request_id}{REQUEST_SUFFIX}", asdict(request))
    return request_id


def pending(home: Path) -> list[tuple[str, ImportRequest]]:
    """Requests waiting, oldest first (unreadable ones are answered as failed)."""
    directory = inbox_directory(home)
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob(f"*{REQUEST_SUFFIX}"), key=lambda p: p.stat().st_mtime):
        request_id = path.name.removesuffix(REQUEST_SUFFIX)
        try:
            request = ImportRequest(**orjson.loads(path.read_bytes()))
        except (orjson.JSONDecodeError, TypeError, OSError) as error:
            write_status(home, request_id, {"state": "failed", "error": f"bad request: {error}"})
            path.unlink(missing_ok=True)
            continue
        found.append((request_id, request))
    return found


def take(home: Path, request_id: str) -> None:
    """The server has started the request: remove it from the inbox."""
    (inbox_directory(home) / f"{request_id}{REQUEST_SUFFIX}").unlink(missing_ok=True)


def write_status(home: Path, request_id: str, status: dict[str, Any]) -> None:
    _write_atomically(inbox_directory(home) / f"{request_id}{STATUS_SUFFIX}", status)


def read_status(home: Path, request_id: str) -> dict[str, Any] | None:
    path = inbox_directory(home) / f"{request_id}{STATUS_SUFFIX}"
    try:
        status: dict[str, Any] = orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    return status


def forget(home: Path, request_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (inbox_directory(home) / f"{request_id}{STATUS_SUFFIX}").unlink()


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(orjson.dumps(document, default=str))
    temporary.replace(path)
