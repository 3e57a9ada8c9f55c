"""A live server with an event source: send like a client, then read what DuckDB stored."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any, cast

import httpx
import orjson
from fastapi import FastAPI

from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database


def new_source(database: Database, name: str) -> tuple[int, str]:
    """A source created through the domain function: its id and its write key."""
    with database.transaction() as session:
        source, key = create_source(session, actor=None, name=name)
        return int(source.id), key.secret


@dataclass
class LiveIngestion:
    """The running app, its base URL and one source's write key."""

    url: str
    app: FastAPI
    database: Database
    source_id: int
    write_key: str

    @property
    def ingestion(self) -> Ingestion:
        return cast(Ingestion, self.app.state.ingestion)

    def post(
        self,
        path: str,
        body: object,
        *,
        write_key: str | None = None,
        compress: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body`` as JSON (bytes as they are), with ``write_key`` as basic-auth user."""
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        if compress:
            data = gzip.compress(data)
            sent_headers["Content-Encoding"] = "gzip"
        auth = (write_key, "") if write_key is not None else None
        return httpx.post(
            f"{self.url}{path}", content=data, headers=sent_headers, auth=auth, timeout=30
        )

    def events(self, columns: str = "message_id, type, name, user_id") -> list[tuple[Any, ...]]:
        """Every stored event (after waiting for everything acknowledged to be loaded)."""
        self.ingestion.flush()
        return self.query(f"SELECT {columns} FROM events ORDER BY message_id, event_id")

    def query(self, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
        with self.ingestion.store.reader() as cursor:
            return cursor.execute(sql, list(parameters)).fetchall()
