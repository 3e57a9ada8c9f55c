"""A live server for the ingestion endpoints, with one event source."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ingest_support import LiveIngestion, new_source

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.store.database import Database


@pytest.fixture
def live_ingestion(settings: Settings, database: Database) -> Iterator[LiveIngestion]:
    """The app served by uvicorn on a free port, and a source named "Web shop"."""
    source_id, write_key = new_source(database, "Web shop")
    app = create_app(settings, database=database)
    with ThreadedServer(app).running() as url:
        yield LiveIngestion(
            url=url, app=app, database=database, source_id=source_id, write_key=write_key
        )
