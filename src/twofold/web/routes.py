"""The web UI's routes, assembled from one router per area (see docs/subsystems/web-ui.md)."""

from __future__ import annotations

from fastapi import APIRouter

from twofold.web import auth
from twofold.web.pages import (
    account_intelligence,
    account_page,
    accounts,
    activities,
    contracts,
    deal_page,
    deals,
    duplicates,
    economics,
    event_debugger,
    exports,
    flow_editor,
    flow_preview,
    flow_starters,
    flows,
    forecast,
    forms,
    identity_conflicts,
    imports,
    leads,
    memberships,
    people,
    person_consent,
    person_data,
    person_profile,
    pipeline,
    pipeline_analytics,
    quotes,
    search,
    segment_builder,
    segments,
    sequences,
    sources,
    static_lists,
    timelines,
)

web_router = APIRouter(include_in_schema=False)
# ``accounts`` (``/accounts/new``, ``/accounts/choices``) comes before ``account_page``
# (``/accounts/{id}``), which would otherwise take those paths and refuse them as bad ids.
AREAS = (
    auth,
    exports,  # /accounts/export.csv before /accounts/{id}
    imports,
    duplicates,
    search,
    pipeline,
    forecast,
    pipeline_analytics,
    economics,
    flow_starters,  # /flows/starters before /flows/{id}
    flow_preview,
    flow_editor,
    flows,
    static_lists,
    forms,  # /forms/new and /forms/field-row before /forms/{id}
    leads,  # /leads/assign before /leads/{id}
    accounts,
    account_intelligence,
    account_page,
    memberships,
    contracts,
    people,
    person_profile,
    person_consent,
    person_data,
    deals,
    deal_page,
    quotes,
    activities,
    timelines,
    sources,
    event_debugger,
    identity_conflicts,
    segment_builder,
    segments,
    sequences,
)
for area in AREAS:
    web_router.include_router(area.router)
