"""``/f/{token}``: where web forms post, without login (the form's public token only lets a
visitor submit that form).

- ``POST`` takes form-encoded bodies (a plain HTML form) and JSON (``fetch`` from a site's
  script). Browsers get the form's redirect (303) or a thank-you page; JSON clients get
  ``201 {"ok": true}``. Errors are JSON (422 with every bad field, 404, 413, 429 with
  ``Retry-After``), or a small HTML page for a browser that asked for HTML.
- A filled honeypot gets exactly the success answer and nothing is stored.
- CORS: any origin may post (``Access-Control-Allow-Origin: *``, never with credentials:
  no cookie or session is read here, so a foreign page gains nothing it could not do with
  curl); ``OPTIONS`` answers the preflight of a JSON ``fetch``.
- ``GET`` shows the form as a hosted page (for a link in an email or a quick test).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from twofold.core.errors import NotFound, TwofoldError, ValidationFailed
from twofold.core.settings import Settings
from twofold.forms.actions import form_by_token
from twofold.forms.flood import SubmissionLimiter
from twofold.forms.snippet import form_snippet
from twofold.forms.submissions import Visitor, submit_form
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database
from twofold.store.models import WebForm
from twofold.web.auth import client_address
from twofold.web.templating import CONTENT_SECURITY_POLICY, render

router = APIRouter(prefix="/f", tags=["public forms"])
MAX_BODY_BYTES: Final = 64 * 1024
CORS: Final = {"Access-Control-Allow-Origin": "*"}
_ORIGIN_HOST: Final = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
THANKS: Final = "Thank you — we received your message."


class TooManySubmissions(TwofoldError):
    """The form's flood limit for this address (or for the whole form) is reached."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many submissions; try again in {retry_after} seconds")
        self.retry_after = retry_after


class PayloadTooLarge(TwofoldError):
    """A submission larger than any form needs."""

    status = 413
    code = "payload_too_large"


@router.options("/{token}", include_in_schema=False)
def preflight(token: str) -> Response:
    """Let browsers post JSON from any site."""
    del token
    headers = {
        **CORS,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
    }
    return Response(status_code=204, headers=headers)


@router.get("/{token}", include_in_schema=False)
def hosted_page(token: str, request: Request) -> Response:
    """The form on a page of its own."""
    database, _settings, _ingestion = _state(request)
    try:
        with database.transaction(write=False) as session:
            form = form_by_token(session, token)
            snippet = form_snippet(form, base_url="")
            name, redirect = form.name, form.redirect_url
    except NotFound as error:
        return _error(request, error, json_client=False)
    headers = {"Content-Security-Policy": _policy_allowing(redirect)}
    return render(
        request, "forms/public.html", {"title": name, "snippet": snippet}, headers=headers
    )


@router.post("/{token}")
async def submit(token: str, request: Request) -> Response:
    """Submit a form (form-encoded or JSON); see the module docstring for the answers."""
    json_client = _wants_json(request)
    try:
        submitted = await _read_body(request)
        redirect = await run_in_threadpool(_accept, request, token, submitted)
    except TwofoldError as error:
        return _error(request, error, json_client=json_client)
    if json_client:
        return JSONResponse({"ok": True, "message": THANKS}, status_code=201, headers=CORS)
    if redirect:
        return RedirectResponse(redirect, status_code=303, headers=CORS)
    return render(request, "forms/public.html", {"title": "Thank you", "message": THANKS})


def _accept(request: Request, token: str, submitted: dict[str, Any]) -> str | None:
    """Check the limits, then store the submission; the form's redirect URL."""
    database, settings, ingestion = _state(request)
    with database.transaction(write=False) as session:
        form = form_by_token(session, token)
        form_id, per_address, per_form = form.id, form.limit_per_address, form.limit_per_form
    limiter: SubmissionLimiter = request.app.state.form_limiter
    address = client_address(request)
    wait = limiter.admit(
        form_id=form_id, address=address, per_address=per_address, per_form=per_form
    )
    if wait is not None:
        raise TooManySubmissions(wait)
    with database.transaction() as session:
        stored = session.get(WebForm, form_id)
        if stored is None or not stored.active:
            raise NotFound("no such form")
        submit_form(
            session,
            ingestion.store,
            form=stored,
            submitted=submitted,
            visitor=Visitor(
                address=address,
                page_url=request.headers.get("referer"),
                user_agent=request.headers.get("user-agent"),
            ),
            secret_key=settings.secret_key,
        )
        return stored.redirect_url


async def _read_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"a submission may be at most {MAX_BODY_BYTES} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            document = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed.on("body", "is not valid JSON") from None
        if not isinstance(document, dict):
            raise ValidationFailed.on("body", "send a JSON object of field names and values")
        return document
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.form()
        values: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise ValidationFailed.on(key, "files cannot be uploaded")
            if key in values:
                raise ValidationFailed.on(key, "sent more than once")
            values[key] = value
        return values
    raise ValidationFailed.on(
        "content-type", "send application/x-www-form-urlencoded, multipart/form-data or JSON"
    )


def _wants_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "application/json" not in accept:
        return False
    return "application/json" in content_type or "application/json" in accept or not accept


def _error(request: Request, error: TwofoldError, *, json_client: bool) -> Response:
    headers = dict(CORS)
    if isinstance(error, TooManySubmissions):
        headers["Retry-After"] = str(error.retry_after)
    if json_client:
        return JSONResponse(error.as_dict(), status_code=error.status, headers=headers)
    context = {
        "title": "Please check the form" if error.status == 422 else "Not sent",
        "message": error.message,
        "problems": error.details,
    }
    return render(request, "forms/public.html", context, status_code=error.status, headers=headers)


def _policy_allowing(redirect: str | None) -> str:
    """The page's CSP, with the redirect's origin allowed as a form target (browsers check
    ``form-action`` on the redirect after the post too)."""
    parts = urlsplit(redirect or "")
    if not _ORIGIN_HOST.fullmatch(parts.netloc):  # nothing that could end the directive
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


def _state(request: Request) -> tuple[Database, Settings, Ingestion]:
    app = request.app
    return app.state.database, app.state.settings, app.state.ingestion
