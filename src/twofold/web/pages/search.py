"""The home page and the global search (a dropdown under the search box, or a whole page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from twofold.search.global_search import global_search
from twofold.store.search import MAX_QUERY_LENGTH
from twofold.web.dependencies import DbSession, WebUser, is_htmx
from twofold.web.pages.shared import see_other, stage_index
from twofold.web.templating import render

PAGE_RESULTS = 20

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(_user: WebUser) -> Response:
    """The pipeline board is where sales work starts."""
    return see_other("/pipeline")


@router.get("/search", include_in_schema=False)
def search(
    request: Request,
    session: DbSession,
    _user: WebUser,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
) -> Response:
    """Accounts, people and deals matching ``q``; a dropdown fragment for HTMX."""
    dropdown = is_htmx(request)
    results = global_search(session, q, limit=5 if dropdown else PAGE_RESULTS)
    context = {"results": results, "query": q, "stages": stage_index(session)}
    return render(request, "search/dropdown.html" if dropdown else "search/page.html", context)
