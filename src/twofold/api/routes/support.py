"""Pieces every resource router uses: paging parameters, ETags, custom-field filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from twofold.store.listing import DEFAULT_LIMIT, MAX_LIMIT, PageRequest

SEARCH_HELP = (
    "a substring of {fields} (case and accents ignored); one or two characters match the "
    "start of a word instead"
)


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    sort: Annotated[
        str | None, Query(description="a field name; prefix with - for descending")
    ] = None,
) -> PageRequest:
    """The ``limit``, ``cursor`` and ``sort`` query parameters."""
    return PageRequest(limit=limit, cursor=cursor, sort=sort)


Paging = Annotated[PageRequest, Depends(page_request)]


def custom_filters(request: Request) -> dict[str, str]:
    """``custom.<key>=value`` query parameters."""
    return {
        key.removeprefix("custom."): value
        for key, value in request.query_params.items()
        if key.startswith("custom.")
    }


CustomFilters = Annotated[dict[str, str], Depends(custom_filters)]


def set_etag(response: Response, version: int) -> None:
    """Expose the record's version for ``If-Match``."""
    response.headers["ETag"] = f'"{version}"'
