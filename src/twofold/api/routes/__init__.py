"""The /api/v1 routers, one module per resource; every route requires an API key."""

from fastapi import APIRouter, Depends

from twofold.api.dependencies import get_api_user, get_api_user_in_own_transaction
from twofold.api.routes import (
    account_intelligence,
    account_value,
    accounts,
    activities,
    admin,
    consent,
    contracts,
    deals,
    duplicates,
    economics,
    events,
    exchange_rates,
    exports,
    flow_reports,
    flows,
    forecast,
    forms,
    identity_conflicts,
    leads,
    memberships,
    messages,
    orders,
    person_data,
    persons,
    pipeline_analytics,
    pipelines,
    predictions,
    privacy_requests,
    products,
    profiles,
    quotas,
    quotes,
    recommendations,
    segments,
    sequences,
    sources,
    static_lists,
    webhooks,
)

api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(get_api_user)])
# ``exports`` (/accounts/export.csv, ...) comes before the resources' /{id} routes.
for module in (
    exports,
    duplicates,
    accounts,
    account_intelligence,
    account_value,
    persons,
    memberships,
    pipelines,
    deals,
    contracts,
    products,
    quotes,
    forms,
    leads,
    activities,
    forecast,
    pipeline_analytics,
    quotas,
    exchange_rates,
    flows,
    sequences,
    flow_reports,
    static_lists,
    admin,
    sources,
    events,
    orders,
    profiles,
    privacy_requests,
    identity_conflicts,
    segments,
    predictions,
    recommendations,
    economics,
    consent,
    messages,
    webhooks,
):
    api_router.include_router(module.router)

# Routes over both databases open their own transactions: a request-wide write transaction
# would hold the SQLite write lock they need (see person_data.py).
own_transaction_router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(get_api_user_in_own_transaction)]
)
own_transaction_router.include_router(person_data.router)
own_transaction_router.include_router(predictions.refresh_router)
