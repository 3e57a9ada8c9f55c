"""The two databases a person's data lives in, and the lock that keeps identity work in line."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from twofold.events.store import EventStore
from twofold.store.database import Database


@dataclass(frozen=True)
class PersonStores:
    """Records (SQLite/PostgreSQL) and events (DuckDB) of one installation.

    ``lock`` serialises everything that changes which person an identifier belongs to: the
    loader's identity resolution, merges and erasures. Without it a load resolved between
    the records and the event-store half of a merge or an erasure could attach an
    identifier to a person who is being deleted, or re-create an erased one.
    ``forget_in_memory`` drops copies of messages the process holds outside both databases
    (the event debugger's recent rejections) that mention any of the given values.
    """

    database: Database
    events: EventStore
    lock: threading.RLock = field(default_factory=threading.RLock)
    forget_in_memory: Callable[[Collection[str]], int] | None = None
