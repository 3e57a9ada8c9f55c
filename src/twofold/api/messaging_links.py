"""The links inside messages, answered without login (the signed token is the authority):

- ``GET /m/u/{token}`` shows an unsubscribe button; ``POST /m/u/{token}`` unsubscribes (the
  RFC 8058 one-click POST, ``List-Unsubscribe=One-Click``; no CSRF token, by design: the
  token itself is unguessable and the action only ever removes consent; idempotent);
- ``GET /m/confirm/{token}`` shows a confirm button; ``POST`` confirms a double opt-in;
- ``GET /m/c/{token}`` records a click and redirects to the URL signed into the token;
- ``GET /m/o/{token}`` records an open and answers a one-pixel GIF.

GETs never change consent: mail scanners fetch links before people do.
"""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from twofold.core.settings import Settings
from twofold.ingest.journal import JournalClosed
from twofold.ingest.runtime import Ingestion
from twofold.messaging import links
from twofold.messaging.tokens import BadToken, TokenPurpose, verify
from twofold.messaging.tracking import PIXEL_GIF
from twofold.store.database import Database
from twofold.web.templating import render

router = APIRouter(prefix="/m", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(
    request: Request, title: str, message: str, *, action: str | None = None,
    button: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    context = {"title": title, "message": message, "action": action, "button": button}
    return render(request, "messaging/link_page.html", context, status_code=status_code,
                  headers=NO_STORE)  # fmt: skip


def _invalid(request: Request) -> Response:
    return _page(
        request, "Link not valid", "This link is not valid or has expired.", status_code=400
    )


def _state(request: Request) -> tuple[Database, Settings, Ingestion]:
    app = request.app
    return app.state.database, app.state.settings, app.state.ingestion


@router.get("/u/{token}")
def unsubscribe_page(token: str, request: Request) -> Response:
    """Ask before unsubscribing (a GET must not change anything)."""
    _database, settings, _ingestion = _state(request)
    try:
        verify(settings.secret_key, TokenPurpose.UNSUBSCRIBE, token)
    except BadToken:
        return _invalid(request)
    return _page(request, "Unsubscribe", "Stop receiving these messages?",
                 action=f"/m/u/{token}", button="Unsubscribe")  # fmt: skip


@router.post("/u/{token}")
def unsubscribe(token: str, request: Request) -> Response:
    """One-click unsubscribe (RFC 8058); posting twice is harmless."""
    database, settings, _ingestion = _state(request)
    try:
        with database.transaction() as session:
            links.unsubscribe(session, secret_key=settings.secret_key, token=token)
    except BadToken:
        return _invalid(request)
    return _page(request, "Unsubscribed", "You will not receive these messages any more.")


@router.get("/confirm/{token}")
def confirm_page(token: str, request: Request) -> Response:
    """Ask the person to confirm their subscription."""
    _database, settings, _ingestion = _state(request)
    try:
        verify(settings.secret_key, TokenPurpose.CONFIRM, token)
    except BadToken:
        return _invalid(request)
    return _page(request, "Confirm your subscription", "Do you want to receive our emails?",
                 action=f"/m/confirm/{token}", button="Yes, subscribe me")  # fmt: skip


@router.post("/confirm/{token}")
def confirm(token: str, request: Request) -> Response:
    """Confirm a double opt-in."""
    database, settings, _ingestion = _state(request)
    try:
        with database.transaction() as session:
            links.confirm(session, secret_key=settings.secret_key, token=token)
    except BadToken:
        return _invalid(request)
    return _page(request, "Subscribed", "Thank you: your subscription is confirmed.")


@router.get("/c/{token}")
async def click(token: str, request: Request) -> Response:
    """Record the click, then redirect to the signed URL (never to anything unsigned)."""
    _database, settings, _ingestion = _state(request)
    try:
        message_id, url = links.click_target(secret_key=settings.secret_key, token=token)
    except BadToken:
        return Response("not a valid link", status_code=404, media_type="text/plain")
    await _record(request, message_id, url)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get("/o/{token}")
async def opened(token: str, request: Request) -> Response:
    """Record the open; always the same tiny image."""
    _database, settings, _ingestion = _state(request)
    try:
        message_id = links.opened_message(secret_key=settings.secret_key, token=token)
    except BadToken:
        return Response(status_code=404)
    await _record(request, message_id, None)
    return Response(PIXEL_GIF, media_type="image/gif", headers=NO_STORE)


async def _record(request: Request, message_id: int, url: str | None) -> None:
    """Journal the open or click (durable once appended); a full or closed journal loses the
    event, never the person's redirect."""
    database, _settings, ingestion = _state(request)

    def lines() -> bytes | None:
        with database.transaction() as session:
            found = links.engagement(session, message_id=message_id, clicked_url=url)
        return found.lines if found else None

    payload = await run_in_threadpool(lines)
    if payload:
        with contextlib.suppress(JournalClosed):
            await ingestion.journal.append(payload)
