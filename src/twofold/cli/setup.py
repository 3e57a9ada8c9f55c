"""Opening the configured database, migrated and with its defaults."""

from __future__ import annotations

from twofold.core.settings import Settings
from twofold.pipelines.defaults import ensure_default_pipeline
from twofold.segments.starters import ensure_starter_segments
from twofold.store.database import Database, open_database
from twofold.store.migrate import upgrade_to_latest


def initialise(settings: Settings) -> Database:
    """Create the data directory, run migrations, create the default pipeline and the
    starter segments."""
    settings.home.mkdir(parents=True, exist_ok=True)
    database = open_database(settings.database_url)
    upgrade_to_latest(database)
    with database.transaction() as session:
        ensure_default_pipeline(session)
        ensure_starter_segments(session)
    return database
