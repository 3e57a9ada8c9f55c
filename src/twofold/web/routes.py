"""The web UI's routes, assembled from one router per area (see docs/subsystems/web-ui.md)."""

from __future__ import annotations

from fastapi import APIRouter

from twofold.web import auth
from twofold.web.pages import (
    account_page,
    accounts,
    activities,
    deal_page,
    deals,
    forecast,
    memberships,
    people,
    pipeline,
    search,
    timelines,
)

web_router = APIRouter(include_in_schema=False)
# ``accounts`` (``/accounts/new``, ``/accounts/choices``) comes before ``account_page``
# (``/accounts/{id}``), which would otherwise take those paths and refuse them as bad ids.
AREAS = (
    auth,
    search,
    pipeline,
    forecast,
    accounts,
    account_page,
    memberships,
    people,
    deals,
    deal_page,
    activities,
    timelines,
)
for area in AREAS:
    web_router.include_router(area.router)
