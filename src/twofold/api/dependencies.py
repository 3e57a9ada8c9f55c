"""Request-scoped dependencies: the database session and the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from twofold.auth.credentials import key_use_is_stale, record_api_key_use, user_for_api_key
from twofold.core.errors import NotAuthenticated, ValidationFailed
from twofold.core.settings import Settings
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database
from twofold.store.models import User


def get_database(request: Request) -> Database:
    """The database opened by the app at start-up."""
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Requests that may write take the write lock up front (see ``Database``).
    """
    with database.transaction(write=request.method not in SAFE_METHODS) as session:
        yield session


def get_ingestion(request: Request) -> Ingestion:
    """The event pipeline (journal, event store, segment engine) started with the app."""
    ingestion: Ingestion = request.app.state.ingestion
    return ingestion


EventIngestion = Annotated[Ingestion, Depends(get_ingestion)]

# scope="function": commit before the response is sent, so a 2xx means the write is durable.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def get_api_user(
    request: Request,
    session: DbSession,
    database: Annotated[Database, Depends(get_database)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """The user behind ``Authorization: Bearer <api key>``; 401 otherwise."""
    key, user = user_for_api_key(session, bearer_secret(authorization))
    if key_use_is_stale(key):
        if request.method in SAFE_METHODS:
            # Its own short write, so that reading requests never turn into writers.
            with database.transaction() as writer:
                record_api_key_use(writer, key.id)
        else:
            # The request already holds the write lock: a second writer would wait for it.
            record_api_key_use(session, key.id)
    return user


ApiUser = Annotated[User, Depends(get_api_user)]


def bearer_secret(authorization: str | None) -> str:
    """The API key in an ``Authorization: Bearer <key>`` header; 401 otherwise."""
    if not authorization:
        raise NotAuthenticated("send an API key as 'Authorization: Bearer <key>'")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("use the Bearer scheme: 'Authorization: Bearer <key>'")
    return secret.strip()


def get_api_user_in_own_transaction(
    database: Annotated[Database, Depends(get_database)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """The API key's user, looked up in a short read transaction of its own.

    For routes that open their own transactions (merges and erasures span the records
    database and DuckDB): the request-wide write transaction of ``DbSession`` would hold
    SQLite's write lock that they need.
    """
    with database.transaction(write=False) as session:
        key, user = user_for_api_key(session, bearer_secret(authorization))
    if key_use_is_stale(key):
        with database.transaction() as writer:
            record_api_key_use(writer, key.id)
    return user


OwnTransactionApiUser = Annotated[User, Depends(get_api_user_in_own_transaction)]


def parse_if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The record version named by ``If-Match`` (our ETags are ``"<version>"``)."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed.on("If-Match", 'must be an ETag returned by this API, e.g. "3"')
    return int(value)


ExpectedVersion = Annotated[int | None, Depends(parse_if_match)]
