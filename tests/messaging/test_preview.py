"""A template previewed for a chosen person (the API's and the flow editor's preview): their
name, and the recommendations the fitted model gives them, through the sandboxed rendering;
refused for viewers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from recs_support import add_purchases
from twofold.core.errors import PermissionDenied
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.messaging.preview import preview_for_person
from twofold.recommendations.fit import refit_recommendations
from twofold.recommendations.similarity import SimilaritySettings
from twofold.store.database import Database
from twofold.store.models import MessageTemplate, Person, User

HTML = (
    "<p>Hi {{ person.first_name }} ({{ data.step }})</p>"
    "{% for product in recommendations %}<p>{{ product.name }}</p>{% else %}<p>none</p>{% endfor %}"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    events = EventStore(tmp_path / "events.duckdb")
    yield events
    events.close()


def test_preview_renders_the_person_and_their_recommendations(
    database: Database, store: EventStore, settings: Settings, admin: User
) -> None:
    now = utcnow()
    add_purchases(
        store,
        [
            (1, now - timedelta(days=9), ["S1", "S2"]),
            (2, now - timedelta(days=8), ["S1", "S2"]),
            (3, now - timedelta(days=7), ["S1"]),
        ],
    )
    refit_recommendations(store, settings=SimilaritySettings(min_co_buyers=1))
    template = MessageTemplate(
        channel="email", subject="For {{ person.first_name }}", html=HTML, text=""
    )
    buyer = Person(id=3, first_name="Cy", last_name="Buyer", traits={}, emails=[], phones=[])
    with database.transaction(write=False) as session:
        rendered = preview_for_person(
            session,
            store,
            actor=session.merge(admin),
            template=template,
            person=buyer,
            settings=settings,
            variables={"step": "reminder"},
        )
        assert rendered.subject == "For Cy"
        assert rendered.html == "<p>Hi Cy (reminder)</p><p>Product S2</p>"  # not S1: owned
        viewer = User(id=99, email="v@example.com", name="V", role="viewer")
        with pytest.raises(PermissionDenied):
            preview_for_person(
                session,
                store,
                actor=viewer,
                template=template,
                person=buyer,
                settings=settings,
                variables={},
            )
