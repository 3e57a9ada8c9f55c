"""A live server whose ingestion pipeline the tests can reach (to wait for loads), with the
sample CRM, an event source and the two Anns (one human, two records, a conflict)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from web_support import Site, build_sample_crm

from b2c_support import TwoAnns, build_two_anns
from support import PASSWORD, ThreadedServer
from twofold.api.app import create_app
from twofold.auth.users import create_user
from twofold.core.settings import Settings
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database
from twofold.store.models import User

MARKETER_EMAIL = "marketer@example.com"


@dataclass
class B2cSite(Site):
    """The site plus its ingestion, one source with its write key, and the two Anns."""

    ingestion: Ingestion
    source_id: int
    write_key: str
    anns: TwoAnns

    def send(self, *messages: dict[str, Any]) -> None:
        """Send a batch like a Segment library does and wait until it is loaded."""
        response = httpx.post(
            f"{self.url}/v1/batch", json={"batch": list(messages)}, auth=(self.write_key, "")
        )
        assert response.status_code == 200, response.text
        self.ingestion.flush()


@pytest.fixture
def b2c_site(settings: Settings, database: Database, admin: User) -> Iterator[B2cSite]:
    app = create_app(settings, database=database)
    with ThreadedServer(app).running() as url:
        ingestion = cast(Ingestion, app.state.ingestion)
        with database.transaction() as session:
            crm = build_sample_crm(session, session.merge(admin))
            create_user(
                session,
                email=MARKETER_EMAIL,
                name="Mia Marketer",
                password=PASSWORD,
                role="marketer",
            )
            source, key = create_source(session, actor=None, name="Web shop")
            source_id, write_key = source.id, key.secret
        anns = build_two_anns(database, ingestion, source_id, admin)
        yield B2cSite(
            url=url,
            database=database,
            crm=crm,
            ingestion=ingestion,
            source_id=source_id,
            write_key=write_key,
            anns=anns,
        )
