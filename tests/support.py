"""Test support: a real uvicorn server in a thread, an API client, data factories."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from twofold.auth.credentials import create_api_key
from twofold.auth.users import create_user
from twofold.store.database import Database
from twofold.store.models import User

PASSWORD = "correct-horse-battery"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThreadedServer:
    """uvicorn serving an app from a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)

    @contextmanager
    def running(self) -> Iterator[str]:
        """Start, yield the base URL, then stop."""
        thread = threading.Thread(target=self.server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{self.port}"
        finally:
            self.server.should_exit = True
            thread.join(timeout=10)


class ApiClient(httpx.Client):
    """An httpx client with an API key; ``as_user`` makes clients for other users."""

    def __init__(self, base_url: str, database: Database, key: str) -> None:
        super().__init__(
            base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        self.server_url = base_url
        self.database = database

    @classmethod
    def for_user(cls, base_url: str, database: Database, user: User) -> ApiClient:
        """A client authenticated with a fresh key of ``user``."""
        with database.transaction() as session:
            key = create_api_key(session, user=session.merge(user)).secret
        return cls(base_url, database, key)

    def as_new_user(self, role: str, email: str | None = None) -> tuple[ApiClient, User]:
        """A client for a new user with ``role``."""
        with self.database.transaction() as session:
            user = create_user(
                session,
                email=email or f"{role}-{time.monotonic_ns()}@example.com",
                name=role.title(),
                password=PASSWORD,
                role=role,
            )
        return ApiClient.for_user(self.server_url, self.database, user), user

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST and insist on 201; returns the JSON body."""
        response = self.post(path, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def count_rows(database: Database, table: str) -> int:
    """How many rows a table holds (to prove that nothing was stored)."""
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
