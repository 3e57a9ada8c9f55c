"""The FastAPI application: REST API, OpenAPI docs, web UI and static files."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from twofold import __version__
from twofold.api.errors import install_error_handlers
from twofold.api.inbound import router as inbound_router
from twofold.api.ingestion import router as ingestion_router
from twofold.api.limits import BodySizeLimit
from twofold.api.messaging_links import router as messaging_links_router
from twofold.api.public_forms import router as public_forms_router
from twofold.api.routes import api_router, own_transaction_router
from twofold.api.webhooks import router as webhooks_router
from twofold.auth.login_throttle import LoginThrottle
from twofold.core.settings import Settings
from twofold.flows.worker import FlowWorker
from twofold.forms.flood import SubmissionLimiter
from twofold.ingest.runtime import Ingestion
from twofold.messaging.worker import (
    MessagingWorker,
    OutboxJob,
    outbox_sender_for,
    webhook_dispatcher_for,
)
from twofold.scheduling.account_jobs import AccountJobs
from twofold.sequences.worker import SequenceJob
from twofold.store.database import Database, open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.web.routes import web_router

STATIC = Path(__file__).parent.parent / "web" / "static"

DESCRIPTION = """One CRM for accounts and for consumers.

Authenticate with `Authorization: Bearer <api key>` (create one with
`twofold apikeys create --user EMAIL`). Lists take `limit` (≤ 500) and `cursor` and answer
`{"items": [...], "next_cursor": ...}`. Updates are `PATCH` with `If-Match: "<version>"`
from the record's `ETag`; a stale version answers 412. Errors are
`{"error": {"code", "message", "details"}}`.
"""


_frozen = False


def freeze_start_up_objects() -> None:
    """Move everything alive after start-up (modules, routes, schemas, table metadata: ~200k
    objects) out of the garbage collector's sight, once per process.

    They live as long as the process, yet every full collection walked them all: ~100 ms on
    the development VM, landing on whichever request happened to trigger it. Frozen, a full
    collection only looks at what requests left behind.
    """
    global _frozen  # noqa: PLW0603 - once per process, whatever the number of apps
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """Build the app; the database is opened (and migrated) when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        handle = database or open_database(settings.database_url)
        upgrade_to_latest(handle)
        app.state.database = handle
        ingestion = Ingestion.for_settings(settings, handle)
        ingestion.start()
        app.state.ingestion = ingestion
        jobs = AccountJobs(
            handle,
            store=ingestion.store,
            interval_seconds=settings.account_jobs_seconds,
            renewal_lead_days=settings.renewal_lead_days,
        )
        if settings.account_jobs_seconds > 0:
            jobs.start()
        app.state.account_jobs = jobs
        messaging = MessagingWorker(
            {
                "outbox": OutboxJob(outbox_sender_for(settings, handle, ingestion.store)),
                "webhooks": webhook_dispatcher_for(settings, handle, ingestion.store),
                "sequences": SequenceJob(handle),
            }
        )
        messaging.start()
        app.state.messaging = messaging
        flows = FlowWorker(handle, ingestion.store, seconds=settings.flow_worker_seconds)
        if settings.flow_worker_seconds > 0:
            flows.start()
        app.state.flows = flows
        freeze_start_up_objects()
        try:
            yield
        finally:
            flows.stop()
            jobs.stop()
            messaging.stop()
            ingestion.stop()
            if owned:
                handle.dispose()

    app = FastAPI(
        title="Twofold",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle()
    app.state.form_limiter = SubmissionLimiter()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(inbound_router)
    app.include_router(api_router)
    app.include_router(own_transaction_router)
    app.include_router(ingestion_router)
    app.include_router(webhooks_router)
    app.include_router(messaging_links_router)
    app.include_router(public_forms_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        # Swagger UI from our own static files: FastAPI's default loads it from a CDN.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Twofold API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
