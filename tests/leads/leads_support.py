"""Shared pieces of the lead tests: an event store, events, a form, users."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from support import PASSWORD
from twofold.auth.users import create_user
from twofold.core.time import naive_utc
from twofold.events.store import EventStore
from twofold.forms.actions import create_form
from twofold.forms.schemas import FormCreate
from twofold.store.models import User, WebForm

_messages = itertools.count(1)

CONTACT_FIELDS: list[dict[str, Any]] = [
    {"name": "email", "type": "email"},
    {"name": "name", "type": "text", "required": True},
    {"name": "company", "type": "text"},
    {"name": "title", "type": "text"},
    {"name": "country", "type": "country"},
    {"name": "phone", "type": "phone"},
    {"name": "website", "type": "url"},
    {"name": "seats", "type": "number"},
    {"name": "message", "type": "textarea"},
]


@contextmanager
def event_store(tmp_path: Path) -> Iterator[EventStore]:
    """A fresh DuckDB event store."""
    store = EventStore(tmp_path / "events.duckdb")
    try:
        yield store
    finally:
        store.close()


def add_event(
    store: EventStore, person_id: int, at: datetime, *, name: str | None, kind: str = "track"
) -> None:
    """One event of a person."""
    with store.writer() as writer:
        writer.execute(
            "INSERT INTO events (load_id, source_id, message_id, type, name, person_id, "
            "timestamp, received_at) VALUES (1, 1, ?, ?, ?, ?, ?, ?)",
            [f"m{next(_messages)}", kind, name, person_id, naive_utc(at), naive_utc(at)],
        )


def make_user(session: Session, role: str, email: str) -> User:
    """A user with ``role``."""
    return create_user(
        session,
        email=email,
        name=email.split("@", maxsplit=1)[0].title(),
        password=PASSWORD,
        role=role,
    )


def contact_form(session: Session, actor: User, **fields: Any) -> WebForm:
    """A contact-sales form with every kind of lead field."""
    data = FormCreate(name=fields.pop("name", "Contact sales"), fields=CONTACT_FIELDS, **fields)
    return create_form(session, actor=actor, data=data)
