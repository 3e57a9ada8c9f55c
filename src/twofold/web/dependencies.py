"""Request dependencies of the web UI: the transaction, the logged-in user, the CSRF check.

The web UI opens its own transaction with ``scope="function"`` so that it is committed
*before* the response leaves: a browser that follows a redirect right after a POST must see
what the POST wrote (FastAPI's default runs the exit code after the response is sent).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.api.dependencies import get_database
from twofold.auth.credentials import web_session_for_token
from twofold.auth.tokens import same_secret
from twofold.core.errors import NotAuthenticated, PermissionDenied
from twofold.store.database import Database
from twofold.store.models import User

SESSION_COOKIE = "twofold_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Identity:
    """Who is logged in, copied out of the ORM so that error pages can still show it."""

    user_id: int
    name: str
    email: str
    role: str
    csrf_token: str


def get_web_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with database.transaction(write=request.method not in {"GET", "HEAD"}) as session:
        yield session


DbSession = Annotated[Session, Depends(get_web_session, scope="function")]


def current_user(request: Request, session: DbSession) -> User:
    """The user whose session cookie came with the request, or ``NotAuthenticated``."""
    return _logged_in_user(request, session)


def _logged_in_user(request: Request, session: Session) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    found = web_session_for_token(session, token) if token else None
    if found is None:
        raise NotAuthenticated("please log in")
    web_session, user = found
    request.state.identity = Identity(
        user_id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        csrf_token=web_session.csrf_token,
    )
    return user


WebUser = Annotated[User, Depends(current_user)]


async def submitted_form(request: Request) -> FormData:
    """The parsed form body (Starlette caches it, so handlers may read it again)."""
    return await request.form()


SubmittedForm = Annotated[FormData, Depends(submitted_form)]


def form_text(form: FormData, name: str) -> str:
    """A text field of the form; missing fields and file uploads read as ``""``."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def current_user_with_csrf(request: Request, user: WebUser, form: SubmittedForm) -> User:
    """The logged-in user of a state-changing request whose CSRF token matches the session's.

    Forms send the token in a hidden field, HTMX sends it in the ``X-CSRF-Token`` header.
    """
    _check_csrf(request, form)
    return user


WebFormUser = Annotated[User, Depends(current_user_with_csrf)]


def form_user_in_own_transaction(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    form: SubmittedForm,
) -> User:
    """``WebFormUser`` looked up in a short read transaction of its own, for pages whose
    action opens its own transactions (merges and erasures span both databases; holding
    the request's write transaction would keep the SQLite write lock they need)."""
    with database.transaction(write=False) as session:
        user = _logged_in_user(request, session)
    _check_csrf(request, form)
    return user


OwnTransactionFormUser = Annotated[User, Depends(form_user_in_own_transaction)]


def _check_csrf(request: Request, form: FormData) -> None:
    identity: Identity = request.state.identity
    sent = request.headers.get(CSRF_HEADER) or form_text(form, CSRF_FIELD)
    if not sent or not same_secret(sent, identity.csrf_token):
        raise PermissionDenied(
            "this form is out of date or did not come from Twofold (CSRF check failed); "
            "reload the page and try again"
        )


def is_htmx(request: Request) -> bool:
    """True for requests made by HTMX (they expect a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"
