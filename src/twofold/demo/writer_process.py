"""A child process that writes the bulk rows, so that generating and writing use two cores.

Threads do not help here: generating rows is Python code, and so is most of what the
drivers do per row, so both would queue for the GIL. The generator therefore pickles each
chunk into the stdin of ``python -m twofold.demo.writer_process``, which unpickles it and
writes it through ``sinks.open_direct_sink`` (SQLite executemany or PostgreSQL COPY).
Pickling costs the generator well under a microsecond per row.

Protocol on the child's stdin: frames of an 8-byte big-endian length and a pickle. First
``(database url, table names)``, then any number of ``("write", table, rows)`` and
``("commit",)``, and finally ``("close",)``. The child commits and exits 0 after ``close``;
anything else (end of input, an error) rolls back the open transaction and exits 1 with
the traceback on stderr, which the parent re-raises.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from twofold.demo.sinks import ValueCodec, direct_values, open_direct_sink
from twofold.demo.specs import ALL_SPECS, Row, TableSpec
from twofold.store.database import Database, open_database

_HEADER = struct.Struct(">Q")
_READ_AHEAD = 8  # frames the child buffers, so the parent rarely waits for it


class WriterFailed(RuntimeError):
    """The writer process stopped with an error (its traceback is the message)."""


class ProcessSink:
    """The parent's end: a ``RowSink`` whose rows are written by a child process."""

    def __init__(self, database: Database, specs: Sequence[TableSpec]) -> None:
        self.values: ValueCodec = direct_values(database.dialect)
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _finish
        package_root = str(Path(__file__).resolve().parents[2])
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, (package_root, os.environ.get("PYTHONPATH")))
        )}  # fmt: skip
        self._process = subprocess.Popen(
            [sys.executable, "-m", "twofold.demo.writer_process"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors,
            env=environment,
        )  # fmt: skip
        url = database.engine.url.render_as_string(hide_password=False)
        self._send((url, [spec.name for spec in specs]))

    def write(self, spec: TableSpec, rows: Sequence[Row]) -> None:
        """Send one chunk (pickled now, so the caller may reuse its buffer at once)."""
        self._send(("write", spec.name, rows))

    def commit(self) -> None:
        """Ask the writer to commit what it has written."""
        self._send(("commit",))

    def close(self) -> None:
        """Let the writer commit and finish; raise ``WriterFailed`` if it did not."""
        self._send(("close",))
        self._finish()

    def abort(self) -> None:
        """Stop the writer without committing its open transaction."""
        self._process.kill()
        self._finish(raise_errors=False)

    def _send(self, message: tuple[Any, ...]) -> None:
        frame = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(_HEADER.pack(len(frame)))
            stdin.write(frame)
            stdin.flush()
        except BrokenPipeError:
            self._finish()
            raise WriterFailed("the writer process stopped unexpectedly") from None

    def _finish(self, *, raise_errors: bool = True) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        code = self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode(errors="replace").strip()
        self._errors.close()
        if code != 0 and raise_errors:
            raise WriterFailed(errors or f"the writer process exited with status {code}")


def _frames(stream: IO[bytes]) -> Iterator[bytes]:
    """Raw frames until the end of the stream."""
    while header := stream.read(_HEADER.size):
        if len(header) < _HEADER.size:
            raise EOFError("truncated frame header")
        (length,) = _HEADER.unpack(header)
        frame = stream.read(length)
        if len(frame) < length:
            raise EOFError("truncated frame")
        yield frame


def _read_ahead(stream: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """Messages, read by a thread (reads release the GIL) while this one writes."""
    frames: queue.Queue[bytes | None] = queue.Queue(maxsize=_READ_AHEAD)

    def read() -> None:
        """Queue every frame, then ``None`` for the end of the input."""
        try:
            for frame in _frames(stream):
                frames.put(frame)
        finally:
            frames.put(None)

    threading.Thread(target=read, name="demo-frame-reader", daemon=True).start()
    while (frame := frames.get()) is not None:
        yield pickle.loads(frame)  # noqa: S301 - frames come from our own parent process


def main(stream: IO[bytes]) -> int:
    """Write what the parent sends; 0 once it says ``close``, an exception otherwise."""
    messages = _read_ahead(stream)
    url, table_names = next(messages)
    specs = {spec.name: spec for spec in ALL_SPECS if spec.name in table_names}
    database = open_database(url)
    try:
        with open_direct_sink(database) as sink:
            for message in messages:
                if message[0] == "write":
                    sink.write(specs[message[1]], message[2])
                elif message[0] == "commit":
                    sink.commit()
                elif message[0] == "close":
                    return 0
            raise EOFError("the generator stopped without closing; rolling back")
    finally:
        database.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.stdin.buffer))
