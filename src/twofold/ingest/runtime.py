"""The running ingestion pipeline of one server: journal → loader thread → event store.

Started and stopped with the app. Requests append to the journal; the loader thread loads
each closed journal segment into DuckDB (exactly once, see ``events/store.py``), ties its
events to persons (``identity/events.py``), counts them into orders and computed traits
(``profiles/refresh.py``), then deletes the segment. On start, segments a crash left behind
are loaded, and interrupted steps finished, before anything new.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb
import orjson

from twofold.core.errors import TwofoldError
from twofold.core.progress import ProgressReporter
from twofold.core.settings import DEFAULT_BASE_CURRENCY, Settings
from twofold.core.time import utcnow
from twofold.events.lake import apply_retention, export_lake
from twofold.events.store import EventStore, event_store_path
from twofold.identity.events import mirror_mappings, pending_loads, resolve_load
from twofold.ingest import inbox
from twofold.ingest.imports import FileFormat, ImportRefused, ImportReport, import_file
from twofold.ingest.inbox import ImportRequest
from twofold.ingest.journal import FAILED_DIRECTORY, Journal
from twofold.ingest.messages import MessageRejected
from twofold.ingest.sources import create_source, find_source, source_for_write_key
from twofold.persons.erasure import settle_pending_erasures
from twofold.persons.stores import PersonStores
from twofold.profiles.refresh import refresh_after_load, underived_loads
from twofold.recommendations.refresh import refresh_recommendations
from twofold.segments.engine import SegmentEngine
from twofold.shopify.redaction import carry_out_redactions
from twofold.store.database import Database

if TYPE_CHECKING:  # the model fitting (scipy) is imported on the first fit, not by every command
    from twofold.predictions.crm_fit import PredictionOptions
    from twofold.predictions.refresh import RefreshReport

log = logging.getLogger(__name__)

KEY_CACHE_SECONDS = 2.0
MAX_SHOWN_BYTES = 2000
RETRY_SECONDS = 1.0
FACT_SYNC_SECONDS = 1.0  # how often record changes are mirrored for segments
BATCH_BYTES = 64 * 1024 * 1024  # waiting journal segments loaded together, at most
PREDICTIONS_RETRY_SECONDS = 3600.0  # after a fit refused for lack of data
# What the event store raises for a segment it cannot parse: retrying would not help.
UNREADABLE = (duckdb.InvalidInputException, duckdb.ConversionException)


class WriteKeys:
    """Write key → source id, cached briefly so that the hot path rarely touches the database.

    A revoked key stops working within ``KEY_CACHE_SECONDS`` (at once when revoked through this
    server, which calls :meth:`forget`).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._cache: dict[str, tuple[int | None, float]] = {}
        self._lock = threading.Lock()

    def source_for(self, secret: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(secret)
        if hit is not None and hit[1] > now:
            return hit[0]
        with self.database.transaction(write=False) as session:
            source_id = source_for_write_key(session, secret)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[secret] = (source_id, now + KEY_CACHE_SECONDS)
        return source_id

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


class RecentRejections:
    """The last messages refused for each source, for the live event debugger (in memory)."""

    def __init__(self, size: int = 200) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def note(self, source_id: int, message: object, problem: MessageRejected) -> None:
        if isinstance(message, dict) and "writeKey" in message:  # a secret, never shown
            message = {key: value for key, value in message.items() if key != "writeKey"}
        try:
            shown = orjson.dumps(message)[:MAX_SHOWN_BYTES].decode(errors="replace")
        except orjson.JSONEncodeError:
            shown = "(not representable as JSON)"
        with self._lock:
            self._items.append(
                {
                    "received_at": utcnow(),
                    "source_id": source_id,
                    **problem.as_dict(),
                    "payload": shown,
                }
            )

    def latest(self, *, source_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first."""
        with self._lock:
            items = list(self._items)
        chosen = [item for item in reversed(items) if source_id in {None, item["source_id"]}]
        return chosen[:limit]

    def forget(self, values: Collection[str]) -> int:
        """Drop the kept messages that mention any of ``values`` (an erased person's
        identifiers); how many were dropped."""
        needles = [needle for value in values if value for needle in _as_shown(value)]
        if not needles:
            return 0
        with self._lock:
            kept = [
                item
                for item in self._items
                if not any(needle in item["payload"] for needle in needles)
            ]
            dropped = len(self._items) - len(kept)
            self._items.clear()
            self._items.extend(kept)
        return dropped


def _as_shown(value: str) -> set[str]:
    """``value`` as it may appear in a kept payload: raw, and JSON-escaped."""
    return {value, orjson.dumps(value).decode()[1:-1]}


class Ingestion:
    """Journal, event store and the loader thread between them."""

    def __init__(
        self,
        home: Path,
        database: Database,
        *,
        rotate_seconds: float = 0.2,
        retention_days: int = 0,
        lake_directory: Path | None = None,
        maintenance_seconds: float = 3600.0,
        segment_refresh_seconds: float = 3600.0,
        predictions_refresh_seconds: float = 86400.0,
        base_currency: str = DEFAULT_BASE_CURRENCY,
    ) -> None:
        self.retention_days = retention_days
        self.lake_directory = lake_directory
        self.maintenance_seconds = maintenance_seconds
        self._maintained_at = time.monotonic()
        self.segment_refresh_seconds = segment_refresh_seconds
        # The first pass refreshes every segment: a load the previous process stored but did
        # not re-evaluate is caught up at start, not an hour later.
        self._segments_refreshed_at = time.monotonic() - segment_refresh_seconds
        self._facts_synced_at = 0.0
        self.predictions_refresh_seconds = predictions_refresh_seconds
        self.base_currency = base_currency
        self._predictions_tried_at: float | None = None  # None: look at the last fit's age
        self._predictions_lock = threading.Lock()
        self.predictions_error: str | None = None  # why the last scheduled fit failed
        self.home = home
        self.store = EventStore(event_store_path(home))
        self.journal = Journal(
            home / "events" / "journal", rotate_seconds=rotate_seconds, on_segment=self._wake
        )
        self.database = database
        self.write_keys = WriteKeys(database)
        self.rejections = RecentRejections()
        self.person_stores = PersonStores(
            database, self.store, forget_in_memory=self.rejections.forget
        )
        self.segments = SegmentEngine(self.store, database)
        self._wakeup = threading.Event()
        self._stopping = False
        self._idle = threading.Condition()
        self._pending = 0
        self._one_by_one = False  # after a batch failed to read: find the bad segment
        self._thread: threading.Thread | None = None
        self.last_error: BaseException | None = None

    @classmethod
    def for_settings(cls, settings: Settings, database: Database) -> Ingestion:
        return cls(
            settings.home,
            database,
            retention_days=settings.events_retention_days,
            lake_directory=settings.lake_directory,
            maintenance_seconds=settings.maintenance_seconds,
            segment_refresh_seconds=settings.segment_refresh_seconds,
            predictions_refresh_seconds=settings.predictions_refresh_seconds,
            base_currency=settings.base_currency,
        )

    def maintain(self) -> None:
        """Retention, then the lake export when one is configured (hourly by default)."""
        result = apply_retention(self.store, keep_days=self.retention_days)
        if result.events or result.message_ids:
            log.info(
                "retention removed %s events, %s messageIds", result.events, result.message_ids
            )
        if self.lake_directory is not None:
            export_lake(self.store, self.lake_directory)
        self._maintained_at = time.monotonic()

    def start(self) -> None:
        self.journal.start(first_seq=self.store.next_segment_number())
        self._thread = threading.Thread(target=self._run, name="twofold-loader", daemon=True)
        self._thread.start()
        self._wake(None)

    def stop(self) -> None:
        """Flush the journal, load what is left, close the store."""
        self.journal.close()
        self._stopping = True
        self._wake(None)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.store.close()

    def flush(self, timeout: float = 30.0) -> None:
        """Close the active journal segment and wait until every segment is loaded."""
        self.journal.rotate_now()
        self._wake(None)
        deadline = time.monotonic() + timeout
        with self._idle:
            while self.journal.segments() or self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("events were not loaded in time")
                self._idle.wait(min(remaining, 0.05))

    def _wake(self, _segment: Path | None) -> None:
        self._wakeup.set()

    def run_import(
        self, request: ImportRequest, progress: ProgressReporter | None = None
    ) -> ImportReport:
        """Run a bulk import here, in the process that owns the event store.

        Call it from the loader thread, or after :meth:`flush` when nothing else is sending.
        """
        with self.database.transaction() as session:
            source = find_source(session, request.source)
            if source is None:
                source, _key = create_source(
                    session, actor=None, name=request.source, kind="import"
                )
            source_id = source.id
        with self.person_stores.lock:  # identities: never between the halves of a merge
            return self._import(request, source_id, progress)

    def _import(
        self, request: ImportRequest, source_id: int, progress: ProgressReporter | None
    ) -> ImportReport:
        return import_file(
            self.store,
            self.database,
            path=Path(request.path),
            kind="orders" if request.kind == "orders" else "events",
            source_id=source_id,
            load_id=self.journal.reserve_number(),
            skip_invalid=request.skip_invalid,
            file_format=cast("FileFormat | None", request.file_format),
            progress=progress,
        )

    def _serve_inbox(self) -> None:
        for request_id, request in inbox.pending(self.home):
            inbox.take(self.home, request_id)
            self.journal.rotate_now()
            self._load_ready()  # live events that arrived first are loaded first
            reporter = _StatusProgress(self.home, request_id)
            if request.kind == "lake":
                exported = export_lake(self.store, Path(request.path))
                inbox.write_status(
                    self.home, request_id, {"state": "done", "report": asdict(exported)}
                )
                continue
            try:
                report = self.run_import(request, reporter)
            except ImportRefused as refused:
                status = {
                    "state": "refused",
                    "error": refused.message,
                    "report": asdict(refused.report),
                }
            except TwofoldError as error:
                status = {"state": "failed", "error": error.message}
            except Exception as error:  # reported to the waiting command, never silently lost
                log.exception("import %s failed", request_id)
                status = {"state": "failed", "error": f"{type(error).__name__}: {error}"}
            else:
                status = {"state": "done", "report": asdict(report)}
            inbox.write_status(self.home, request_id, status)

    def _run(self) -> None:
        self._settle_identity_work()
        for load_id in pending_loads(self.store):
            self._resolve(load_id)
        for load_id in underived_loads(self.store):
            self._derive(load_id)
        while True:
            self._wakeup.wait(timeout=0.5)
            self._wakeup.clear()
            self._load_ready()
            self._serve_inbox()
            self._redact()
            self._keep_segments_current()
            self._keep_predictions_current()
            if time.monotonic() - self._maintained_at >= self.maintenance_seconds:
                self._maintain_safely()
            if self._stopping:
                self._load_ready()
                return

    def _load_ready(self) -> None:
        segments = self.journal.segments()
        if not segments:
            return
        loaded: list[int] = []
        with self._idle:
            # One more than the segments: segment membership is updated after the last one.
            self._pending = len(segments) + 1
        for batch in self._batches(segments):
            try:
                result = self.store.load_segments(batch)
            except UNREADABLE as error:  # a bad segment must not stop ingestion
                self.last_error = error
                if len(batch) > 1:  # find which one: load them one by one next time round
                    self._one_by_one = True
                    self._wakeup.set()
                    break
                log.exception("journal segment %s cannot be read; set aside", batch[0].name)
                _quarantine(batch[0])
            except Exception as error:  # disk full, I/O: keep the segments, retry later
                self.last_error = error
                log.exception("could not load journal segments %s; will retry", batch[0].name)
                self._retry_later()
                break
            else:
                if not result.already_loaded:
                    self._resolve(result.load_id)
                self._derive(result.load_id)
                loaded.append(result.load_id)
                for segment in batch:
                    segment.unlink(missing_ok=True)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()
        # Once for all the loads of this pass: under a backlog the work is shared by many.
        self._segments_after_loads(loaded)
        with self._idle:
            self._pending = 0
            self._idle.notify_all()

    def _batches(self, segments: list[Path]) -> Iterator[list[Path]]:
        """The waiting segments as loads: one already loaded (the process stopped before
        deleting it) alone; the rest together, up to ``BATCH_BYTES`` per load, so that under
        a backlog the fixed cost of a load (identities, traits, segments) is paid once for
        many segments instead of once per 0.2 s of traffic."""
        one_by_one, self._one_by_one = self._one_by_one, False
        batch: list[Path] = []
        size = 0
        for segment in segments:
            if self.store.loaded_already(segment) is not None:
                if batch:
                    yield batch
                    batch, size = [], 0
                yield [segment]
                continue
            length = _size(segment)
            if batch and (one_by_one or size + length > BATCH_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(segment)
            size += length
        if batch:
            yield batch

    def _maintain_safely(self) -> None:
        try:
            self.maintain()
        except Exception as error:  # maintenance must never stop ingestion
            self.last_error = error
            log.exception("event store maintenance failed")
            self._maintained_at = time.monotonic()

    def _redact(self) -> None:
        """Erase the customers Shopify asked to redact (see shopify/redaction.py)."""
        try:
            done = carry_out_redactions(self.person_stores)
        except Exception as error:  # retried on the next pass; ingestion goes on
            self.last_error = error
            log.exception("could not carry out the pending Shopify redactions")
            return
        if done.requests:
            log.info("Shopify redactions: %s requests, %s persons erased", done.requests,
                     done.persons_erased)  # fmt: skip

    def _segments_after_loads(self, load_ids: list[int]) -> None:
        """Members the loads' events move in or out (the persons they created enter through
        the fact mirror, first)."""
        if not load_ids:
            return
        try:
            self.segments.sync()
            self._facts_synced_at = time.monotonic()
            self.segments.after_loads(load_ids)
        except Exception as error:  # the hourly refresh catches up; ingestion goes on
            self.last_error = error
            log.exception("could not update segment membership after loads %s", load_ids)

    def _keep_segments_current(self) -> None:
        """Record changes (about once a second) and the full refresh on its schedule."""
        now = time.monotonic()
        try:
            if now - self._segments_refreshed_at >= self.segment_refresh_seconds:
                self._segments_refreshed_at = now
                self.segments.sync()
                self.segments.refresh(cause="schedule")
            elif now - self._facts_synced_at >= FACT_SYNC_SECONDS:
                self._facts_synced_at = now
                self.segments.sync()
                self.segments.catch_up()
        except Exception as error:  # retried on the next pass
            self.last_error = error
            log.exception("could not keep segment membership current")

    def refresh_predictions(
        self, options: PredictionOptions | None = None, progress: ProgressReporter | None = None
    ) -> RefreshReport:
        """Refit the models on the orders, rewrite every person's predictions, then
        re-evaluate the segments that read predictions (raises, writing nothing, when the
        models cannot be fitted)."""
        from twofold.predictions.refresh import refresh_predictions  # noqa: PLC0415 - see above

        with self._predictions_lock:
            report = refresh_predictions(
                self.store, self.database, base_currency=self.base_currency, options=options,
                progress=progress,
            )  # fmt: skip
            self.predictions_error = None
        readers = {d.id for d in self.segments.definitions() if d.reads.predictions}
        if readers:
            self.segments.refresh(cause="predictions", only=readers)
        return report

    def _keep_predictions_current(self) -> None:
        """The scheduled refit: when the last fit (or failed try) is older than the interval."""
        interval = self.predictions_refresh_seconds
        if interval <= 0:
            return
        now = time.monotonic()
        if self._predictions_tried_at is None:
            from twofold.predictions.refresh import fit_age_seconds  # noqa: PLC0415 - see above

            age = fit_age_seconds(self.store)
            self._predictions_tried_at = now - (interval if age is None else min(age, interval))
        if now - self._predictions_tried_at < interval:
            return
        self._predictions_tried_at = now
        try:  # the recommendations are refitted on the same clock, failing on their own
            refresh_recommendations(self.store)
        except Exception as error:
            self.last_error = error
            log.exception("could not refit the recommendations")
        try:
            report = self.refresh_predictions()
        except TwofoldError as error:  # too few customers yet: say why, try again within the hour
            self.predictions_error = error.message
            self._predictions_tried_at = now - interval + min(interval, PREDICTIONS_RETRY_SECONDS)
            log.info("predictions not refreshed: %s", error.message)
        except Exception as error:  # retried at the next interval; ingestion goes on
            self.last_error = error
            self.predictions_error = f"{type(error).__name__}: {error}"
            log.exception("could not refresh the predictions")
        else:
            log.info("predictions refreshed for %s persons", report.persons)

    def _retry_later(self) -> None:
        time.sleep(RETRY_SECONDS)
        self._wakeup.set()

    def _settle_identity_work(self) -> None:
        """Finish what a stopped process left: erasures between their two halves, and
        mappings (a merge's new versions) not yet mirrored into the event store."""
        try:
            settle_pending_erasures(self.person_stores)
            with self.person_stores.lock:
                mirror_mappings(self.store, self.database)
        except Exception as error:  # ingestion must keep running; retried at the next start
            self.last_error = error
            log.exception("could not settle pending identity work")

    def _resolve(self, load_id: int) -> None:
        """Tie a load's events to persons; on failure the load is retried at the next start."""
        try:
            with self.person_stores.lock:  # never between the halves of a merge or an erasure
                resolve_load(self.store, self.database, load_id)
        except Exception as error:  # the events are stored; only their persons wait
            self.last_error = error
            log.exception("could not resolve the identities of load %s", load_id)

    def _derive(self, load_id: int) -> None:
        """Count a load into orders and computed traits; on failure retried at the next start."""
        try:
            refresh_after_load(self.store, load_id)
        except Exception as error:  # the events are stored; only what is derived waits
            self.last_error = error
            log.exception("could not derive orders and computed traits of load %s", load_id)


class _StatusProgress:
    """Progress of an import handed over by ``twofold import``, written where it waits."""

    def __init__(self, home: Path, request_id: str) -> None:
        self.home = home
        self.request_id = request_id
        self.label = ""
        self.total = 0
        self.done = 0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._write()

    def advance(self, amount: int) -> None:
        self.done += amount
        self._write()

    def _write(self) -> None:
        inbox.write_status(
            self.home,
            self.request_id,
            {"state": "running", "phase": self.label, "total": self.total, "done": self.done},
        )


def _size(segment: Path) -> int:
    try:
        return segment.stat().st_size
    except OSError:  # gone or unreadable: loading it reports what is wrong
        return 0


def _quarantine(segment: Path) -> None:
    """Keep a segment that failed to load for a human, out of the loader's way."""
    failed = segment.parent / FAILED_DIRECTORY
    failed.mkdir(exist_ok=True)
    target = failed / segment.name
    copy = 1
    while target.exists():  # never overwrite an earlier failure
        target = failed / f"{segment.name}.{copy}"
        copy += 1
    segment.rename(target)
