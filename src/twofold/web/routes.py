"""The web UI's routes, assembled from one router per area (see docs/subsystems/web-ui.md)."""

from __future__ import annotations

from fastapi import APIRouter

from twofold.web import auth
from twofold.web.pages import (
    accounts,
    activities,
    deal_page,
    deals,
    event_debugger,
    identity_conflicts,
    memberships,
    people,
    person_data,
    person_profile,
    pipeline,
    search,
    sources,
)

web_router = APIRouter(include_in_schema=False)
for area in (
    auth,
    search,
    pipeline,
    accounts,
    memberships,
    people,
    person_profile,
    person_data,
    deals,
    deal_page,
    activities,
    sources,
    event_debugger,
    identity_conflicts,
):
    web_router.include_router(area.router)
