"""The Jinja2 environment (auto-escaping on) and the one function that renders a page."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from twofold.persons.actions import display_name
from twofold.pipelines.criteria import describe_criterion
from twofold.store.models import Person
from twofold.web.custom_fields import YES_NO, custom_display
from twofold.web.dependencies import CSRF_FIELD, Identity
from twofold.web.formatting import FILTERS
from twofold.web.paths import is_local_path

HERE = Path(__file__).parent
STATIC = HERE / "static"
PRODUCT_NAME = "Twofold"

# 'unsafe-inline' styles only: ECharts positions its tooltips with style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# Templates are compiled once per process and cached (they only change with an upgrade, which
# restarts the process), so rendering never checks the files again.
environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    auto_reload=False,
    cache_size=-1,
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=environment)


@cache
def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``, so that browsers never run a stale script."""
    content = (STATIC / path).read_bytes()
    return f"/static/{path}?v={hashlib.sha256(content).hexdigest()[:12]}"


def person_choice(person: Person) -> tuple[str, str]:
    """A person as a ``(value, text)`` choice of a select."""
    return str(person.id), display_name(person)


def local_path_or_home(target: str) -> str:
    """``target`` when it is a path on this site, else ``/`` (for links built from input)."""
    return target if is_local_path(target) else "/"


environment.filters.update(FILTERS, criterion=describe_criterion, person_choice=person_choice)
environment.globals.update(
    static_url=static_url,
    product_name=PRODUCT_NAME,
    csrf_field=CSRF_FIELD,
    person_name=display_name,
    local_path=local_path_or_home,
    custom_value=custom_display,
    yes_no=YES_NO,
)


def identity_of(request: Request) -> Identity | None:
    """The logged-in user, when a dependency has resolved one for this request."""
    identity = getattr(request.state, "identity", None)
    return identity if isinstance(identity, Identity) else None


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the current user, their CSRF token and ``context``."""
    identity = identity_of(request)
    values: dict[str, Any] = {
        "identity": identity,
        "csrf_token": identity.csrf_token if identity else "",
        "current_path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(
        request,
        template,
        values,
        status_code=status_code,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )
