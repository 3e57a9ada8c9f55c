"""The ingestion journal: acknowledged events are on disk before the client hears "200".

Requests hand their lines to :meth:`Journal.append` and wait. One writer thread takes every
line waiting at that moment, writes them with one ``write`` and one ``fdatasync`` (group
commit: the cost of a disk flush is shared by every request that arrived meanwhile), then
wakes the requests. The active file is ``<seq>.ndjson.part``; every ``rotate_seconds`` (or
``rotate_bytes``) it is closed and renamed ``<seq>.ndjson``, which is what the event store
loads. After a crash, :meth:`Journal.recover` turns left-over ``.part`` files into loadable
segments, dropping only a torn last line — a line whose flush never finished was never
acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

SEGMENT_SUFFIX: Final = ".ndjson"
PART_SUFFIX: Final = ".ndjson.part"
FAILED_DIRECTORY: Final = "failed"  # segments the event store could not read, kept for a human


class JournalClosed(RuntimeError):
    """The journal is stopping (or failed to write) and takes no more lines."""


@dataclass
class _Waiter:
    """One request waiting for its lines to be flushed."""

    data: bytes
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def finish(self, error: BaseException | None = None) -> None:
        self.error = error
        if self.loop is not None and self.future is not None:
            self.loop.call_soon_threadsafe(_settle, self.future, error)
        self.done.set()


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class Journal:
    """Durable, ordered, append-only log of journal lines, cut into loadable segments."""

    def __init__(
        self,
        directory: Path,
        *,
        rotate_seconds: float = 0.2,
        rotate_bytes: int = 32 * 1024 * 1024,
        on_segment: Callable[[Path], None] | None = None,
    ) -> None:
        self.directory = directory
        self.rotate_seconds = rotate_seconds
        self.rotate_bytes = rotate_bytes
        self.on_segment = on_segment
        self._queue: queue.SimpleQueue[_Waiter | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._broken = False
        self._fd: int | None = None
        self._active: Path | None = None
        self._opened_at = 0.0
        self._written = 0
        self._next_seq = 1
        self._numbers = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, *, first_seq: int = 1) -> None:
        """Recover what a crash left behind, then start the writer thread.

        ``first_seq`` is the lowest number a new segment may take: the event store remembers
        the segments it loaded (and deleted), and a name must never be used twice.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recover()
        newest = max((_seq(path) for path in self._all_files()), default=0)
        self._next_seq = max(first_seq, newest + 1)
        self._thread = threading.Thread(target=self._run, name="twofold-journal", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Flush and close the active segment; later appends fail with JournalClosed."""
        if self._thread is None:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def recover(self) -> list[Path]:
        """Make every ``.part`` file a segment, without a torn last line; return them."""
        recovered = []
        for part in sorted(self.directory.glob(f"*{PART_SUFFIX}")):
            data = part.read_bytes()
            keep = data.rfind(b"\n") + 1
            if keep < len(data):
                with part.open("r+b") as handle:
                    handle.truncate(keep)
                    os.fsync(handle.fileno())
            target = part.with_name(part.name.removesuffix(PART_SUFFIX) + SEGMENT_SUFFIX)
            if keep == 0:
                part.unlink()
                continue
            part.rename(target)
            recovered.append(target)
        _fsync_directory(self.directory)
        return recovered

    def segments(self) -> list[Path]:
        """Closed segments waiting to be loaded, oldest first."""
        return sorted(self.directory.glob(f"*{SEGMENT_SUFFIX}"), key=_seq)

    def reserve_number(self) -> int:
        """A segment number nobody else will use (bulk imports load under such a number)."""
        with self._numbers:
            number = self._next_seq
            self._next_seq += 1
            return number

    # -- appending ----------------------------------------------------------------------------

    async def append(self, data: bytes) -> None:
        """Write ``data`` (whole lines) durably; returns once it is flushed to disk."""
        if self._closed or self._thread is None:
            raise JournalClosed("the journal is not accepting events")
        loop = asyncio.get_running_loop()
        waiter = _Waiter(data, loop, loop.create_future())
        self._queue.put(waiter)
        assert waiter.future is not None
        await waiter.future

    def append_blocking(self, data: bytes) -> None:
        """:meth:`append` for threads that are not running an event loop."""
        if self._closed or self._thread is None:
            raise JournalClosed("the journal is not accepting events")
        waiter = _Waiter(data)
        self._queue.put(waiter)
        waiter.done.wait()
        if waiter.error is not None:
            raise waiter.error

    def rotate_now(self, timeout: float = 30.0) -> None:
        """Close the active segment at once (tests and shutdown use it)."""
        if self._thread is None or not self._thread.is_alive():
            return
        waiter = _Waiter(b"")
        self._queue.put(waiter)
        waiter.done.wait(timeout)

    # -- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            waiters, stopping = self._take()
            try:
                self._write([waiter.data for waiter in waiters])
            except OSError as error:
                failure = JournalClosed(f"the journal could not write: {error}")
                for waiter in waiters:
                    waiter.finish(failure)
                if self._broken:
                    # After a failed flush the file's state is unknown: take nothing more.
                    self._closed = True
                    break
                continue
            rotate_all = any(not waiter.data for waiter in waiters)
            if stopping or rotate_all or self._due():
                self._rotate()
            for waiter in waiters:
                waiter.finish()
        self._fail_pending()

    def _take(self) -> tuple[list[_Waiter], bool]:
        """Block for the first waiter (or until rotation is due), then drain the rest."""
        timeout = None
        if self._fd is not None:
            timeout = max(0.0, self._opened_at + self.rotate_seconds - time.monotonic())
        waiters: list[_Waiter] = []
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return waiters, False
        if first is None:
            return waiters, True
        waiters.append(first)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return waiters, False
            if item is None:
                return waiters, True
            waiters.append(item)

    def _write(self, chunks: list[bytes]) -> None:
        data = b"".join(chunks)
        if not data:
            return
        if self._fd is None:
            self._open()
        assert self._fd is not None
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError:
            # Drop the partial write, so the next acknowledged lines do not follow a torn one.
            os.ftruncate(self._fd, self._written)
            raise
        try:
            os.fdatasync(self._fd)
        except OSError:
            self._broken = True
            raise
        self._written += len(data)

    def _due(self) -> bool:
        if self._fd is None:
            return False
        too_old = time.monotonic() - self._opened_at >= self.rotate_seconds
        return too_old or self._written >= self.rotate_bytes

    def _open(self) -> None:
        self._active = self.directory / f"{self.reserve_number():012d}{PART_SUFFIX}"
        self._fd = os.open(self._active, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._opened_at = time.monotonic()
        self._written = 0

    def _rotate(self) -> None:
        if self._fd is None or self._active is None:
            return
        os.close(self._fd)
        target = self._active.with_name(
            self._active.name.removesuffix(PART_SUFFIX) + SEGMENT_SUFFIX
        )
        self._active.rename(target)
        _fsync_directory(self.directory)
        self._fd = None
        self._active = None
        if self.on_segment is not None:
            self.on_segment(target)

    def _fail_pending(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item.finish(JournalClosed("the journal is not accepting events"))

    def _all_files(self) -> list[Path]:
        """Every segment ever named here and still on disk, set-aside ones included."""
        return [
            *self.directory.glob(f"*{SEGMENT_SUFFIX}"),
            *self.directory.glob(f"*{PART_SUFFIX}"),
            *self.directory.glob(f"{FAILED_DIRECTORY}/*{SEGMENT_SUFFIX}*"),
        ]


def _seq(path: Path) -> int:
    return int(path.name.split(".", 1)[0])


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
