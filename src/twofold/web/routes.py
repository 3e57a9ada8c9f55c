"""The web UI's routes, assembled from one router per area (see docs/subsystems/web-ui.md)."""

from __future__ import annotations

from fastapi import APIRouter

from twofold.web import auth
from twofold.web.pages import (
    accounts,
    activities,
    deal_page,
    deals,
    forecast,
    memberships,
    people,
    pipeline,
    search,
)

web_router = APIRouter(include_in_schema=False)
for area in (
    auth,
    search,
    pipeline,
    forecast,
    accounts,
    memberships,
    people,
    deals,
    deal_page,
    activities,
):
    web_router.include_router(area.router)
