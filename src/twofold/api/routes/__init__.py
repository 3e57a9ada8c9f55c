"""The /api/v1 routers, one module per resource; every route requires an API key."""

from fastapi import APIRouter, Depends

from twofold.api.dependencies import get_api_user
from twofold.api.routes import (
    accounts,
    activities,
    admin,
    deals,
    events,
    exchange_rates,
    forecast,
    memberships,
    orders,
    persons,
    pipelines,
    privacy_requests,
    profiles,
    quotas,
    sources,
)

api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(get_api_user)])
for module in (
    accounts,
    persons,
    memberships,
    pipelines,
    deals,
    activities,
    forecast,
    quotas,
    exchange_rates,
    admin,
    sources,
    events,
    orders,
    profiles,
    privacy_requests,
):
    api_router.include_router(module.router)
