"""Logging in and out of the web UI.

The session cookie is HttpOnly and SameSite=Lax (Secure when ``secure_cookies``). The login
form itself is protected against login CSRF with a double-submit cookie, since there is no
session yet whose token it could carry. Failed logins are limited per email and per client
address (``auth.login_throttle``): over the limit the answer is 429 with ``Retry-After``,
before the password is looked at.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from twofold.api.dependencies import AppSettings
from twofold.auth.credentials import (
    SESSION_LIFETIME,
    end_web_session,
    start_web_session,
    web_session_for_token,
)
from twofold.auth.login_throttle import LoginThrottle
from twofold.auth.tokens import new_secret, same_secret
from twofold.auth.users import authenticate
from twofold.web.dependencies import (
    CSRF_FIELD,
    SESSION_COOKIE,
    DbSession,
    SubmittedForm,
    WebFormUser,
    form_text,
)
from twofold.web.paths import is_local_path
from twofold.web.templating import render

LOGIN_CSRF_COOKIE = "twofold_login_csrf"

router = APIRouter()


@router.get("/login", include_in_schema=False)
def login_page(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    next_path: Annotated[str, Query(alias="next")] = "/",
) -> Response:
    """The login form (or straight on, when the browser is already logged in)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and web_session_for_token(session, token) is not None:
        return RedirectResponse(_safe_next(next_path), status_code=303)
    return _login_form(request, secure=settings.secure_cookies, next_path=next_path)


@router.post("/login", include_in_schema=False)
def log_in(
    request: Request, session: DbSession, settings: AppSettings, form: SubmittedForm
) -> Response:
    """Check the password, start a session and go to ``next`` (a local path) or home."""
    email, next_path = form_text(form, "email"), form_text(form, "next") or "/"
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = form_text(form, CSRF_FIELD)
    if not expected or not sent or not same_secret(sent, expected):
        return _login_form(
            request,
            secure=settings.secure_cookies,
            next_path=next_path,
            email=email,
            message="The login form had expired. Please log in again.",
            status_code=403,
        )
    throttle, address = login_throttle(request), client_address(request)
    wait = throttle.retry_after(email=email, address=address)
    if wait is not None:
        return _too_many_attempts(
            request, wait, secure=settings.secure_cookies, next_path=next_path, email=email
        )
    user = authenticate(session, email=email, password=form_text(form, "password"))
    if user is None:
        throttle.failed(email=email, address=address)
        return _login_form(
            request,
            secure=settings.secure_cookies,
            next_path=next_path,
            email=email,
            message="Wrong email or password.",
            status_code=401,
        )
    throttle.succeeded(email=email)
    started = start_web_session(session, user=user)
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def log_out(request: Request, session: DbSession, _user: WebFormUser) -> Response:
    """End the session (CSRF-checked, so no other site can log a user out)."""
    end_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def login_throttle(request: Request) -> LoginThrottle:
    """The app's failed-login counts (one per process, see ``create_app``)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def client_address(request: Request) -> str:
    """The client's IP address (uvicorn takes it from ``X-Forwarded-For`` only when the
    connection comes from a trusted proxy, ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def _too_many_attempts(
    request: Request, wait: int, *, secure: bool, next_path: str, email: str
) -> Response:
    """429 with ``Retry-After``: the login form with the message, or JSON if asked for."""
    minutes = max(1, round(wait / 60))
    message = (
        "Too many failed logins for this email or from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
    headers = {"Retry-After": str(wait)}
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        body = {"error": {"code": "rate_limited", "message": message}}
        return JSONResponse(body, status_code=429, headers=headers)
    response = _login_form(
        request, secure=secure, next_path=next_path, email=email, message=message, status_code=429
    )
    response.headers.update(headers)
    return response


def _login_form(
    request: Request,
    *,
    secure: bool,
    next_path: str,
    email: str = "",
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    token = new_secret()
    response = render(
        request,
        "login.html",
        {"login_token": token, "next_path": next_path, "email": email, "message": message},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/login",
    )
    return response


def _safe_next(target: str) -> str:
    """Only ever redirect to a path on this site after logging in (no open redirect)."""
    return target if is_local_path(target) else "/"
