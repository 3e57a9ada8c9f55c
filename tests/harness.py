"""Test harness: every test that takes ``database`` runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is started once per run in a temporary directory (as the unprivileged
``postgres`` user when we are root) and each test gets a fresh database cloned from a
migrated template, so tests never share state.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from support import PASSWORD, ApiClient, ThreadedServer
from twofold.api.app import create_app
from twofold.auth import passwords
from twofold.auth.users import create_user
from twofold.core.settings import Settings
from twofold.pipelines.defaults import ensure_default_pipeline
from twofold.store.database import Database, open_database
from twofold.store.local_postgres import LocalPostgres, start_local_postgres
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import User

BACKENDS = ("sqlite", "postgresql")
_database_numbers = itertools.count()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with test-sized parameters: production parameters cost 0.3 s a hash,
    which would dominate the run time of tests that create users and log in."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """One PostgreSQL server for the whole run, with a migrated template database."""
    directory = tmp_path_factory.mktemp("postgres")
    server = start_local_postgres(directory / "server")  # as root: a folder postgres can reach
    try:
        server.execute("CREATE DATABASE twofold_template")
        template = open_database(server.url("twofold_template"))
        upgrade_to_latest(template)
        template.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    template = open_database(f"sqlite:///{path}")
    upgrade_to_latest(template)
    with template.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "twofold.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: LocalPostgres = request.getfixturevalue("postgres_server")
    name = f"test_{next(_database_numbers)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE twofold_template")
    try:
        yield server.url(name)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """An open handle on the fresh database."""
    handle = open_database(database_url)
    try:
        yield handle
    finally:
        handle.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test database and a temporary data directory."""
    return Settings(home=tmp_path / "home", database_url=database_url, secret_key="test-secret")


@pytest.fixture
def admin(database: Database) -> User:
    """An admin user, with the default pipeline in place."""
    with database.transaction() as session:
        ensure_default_pipeline(session)
        return create_user(
            session, email="admin@example.com", name="Ada Admin", password=PASSWORD, role="admin"
        )


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """A real uvicorn server on a free port serving the app; yields its base URL."""
    app = create_app(settings, database=database)
    server = ThreadedServer(app)
    with server.running() as url:
        yield url


@pytest.fixture
def api(live_server: str, database: Database, admin: User) -> Iterator[ApiClient]:
    """An HTTP client for the live server, authenticated as the admin."""
    with ApiClient.for_user(live_server, database, admin) as client:
        yield client
