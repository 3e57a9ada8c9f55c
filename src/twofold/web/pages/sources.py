"""Event sources (admins): their write keys and traffic; create a source, add or revoke keys.

A new write key is shown once, on the page that answers the POST which created it; only its
hash is stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.events.traffic import traffic_by_source
from twofold.ingest import sources
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import IssuedWriteKey
from twofold.store.models import Source, User
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()
KINDS = [("segment", "Segment / RudderStack library"), ("shopify", "Shopify"), ("import", "Import")]


def ingestion_of(request: Request) -> Ingestion:
    """The running ingestion pipeline (event store, write-key cache, recent rejections)."""
    ingestion: Ingestion = request.app.state.ingestion
    return ingestion


@router.get("/sources", include_in_schema=False)
def sources_page(request: Request, session: DbSession, user: WebUser) -> Response:
    """Every source with its keys (hints only), traffic and recent rejections."""
    ensure_admin(user)
    return _page(request, session, user)


@router.post("/sources", include_in_schema=False)
def create_source_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Create a source; the page shows its write key this once."""
    problems = FormProblems()
    issued: tuple[Source, IssuedWriteKey] | None = None
    with problems.capture(session):
        issued = sources.create_source(
            session, actor=user, name=form_text(form, "name"), kind=form_text(form, "kind")
        )
    if issued is None:
        return _page(
            request, session, user, form=submitted(form, problems), status_code=problems.status
        )
    source, key = issued
    return _page(request, session, user, shown_key=(source.name, key.secret), status_code=201)


@router.post("/sources/{source_id}/keys", include_in_schema=False)
def add_write_key(
    request: Request, session: DbSession, user: WebFormUser, source_id: RecordId
) -> Response:
    """Another key for the source (to rotate: add one, deploy it, revoke the old one)."""
    ensure_admin(user)
    source = sources.get_source(session, source_id)
    key = sources.issue_write_key(session, source=source)
    return _page(request, session, user, shown_key=(source.name, key.secret), status_code=201)


@router.post("/sources/{source_id}/keys/{key_id}/revoke", include_in_schema=False)
def revoke_write_key(
    request: Request, session: DbSession, user: WebFormUser, source_id: RecordId, key_id: RecordId
) -> Response:
    """Stop accepting events sent with this key, at once."""
    sources.revoke_write_key(session, actor=user, key_id=key_id, source_id=source_id)
    session.flush()
    ingestion_of(request).write_keys.forget()
    return see_other("/sources")


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    form: FormView | None = None,
    shown_key: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ensure_admin(user)
    ingestion = ingestion_of(request)
    traffic = traffic_by_source(ingestion.store)
    rows = [
        {
            "source": source,
            "keys": sources.keys_of(session, source.id),
            "traffic": traffic.get(source.id),
            "rejections": len(ingestion.rejections.latest(source_id=source.id, limit=200)),
        }
        for source in sources.list_sources(session)
    ]
    context = {
        "rows": rows,
        "form": form or FormView(values={"kind": "segment"}),
        "kinds": KINDS,
        "shown_key": shown_key,
    }
    return render(request, "sources/list.html", context, status_code=status_code)
