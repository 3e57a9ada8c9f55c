"""The contracts page (recently started, ending soon, needing attention, this quarter's
retention) and the ABM board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from twofold.accounts.lookups import account_names
from twofold.api.dependencies import AppSettings
from twofold.auth.directory import user_names
from twofold.contracts.metrics import retention_metrics
from twofold.contracts.overview import contracts_overview
from twofold.core.enums import AbmStatus
from twofold.core.time import utcnow
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.intelligence.queries import BoardFilters, abm_board, abm_counts
from twofold.store.listing import PageRequest
from twofold.web.dependencies import DbSession, WebUser
from twofold.web.forms import parse_id
from twofold.web.templating import render

router = APIRouter()
CARDS_PER_COLUMN = 50
ABM_TITLES = {
    AbmStatus.CUSTOMER: "Customers",
    AbmStatus.IN_PIPELINE: "In pipeline",
    AbmStatus.NURTURE: "Nurture",
    AbmStatus.COLD: "Cold",
}
TextQuery = Annotated[str, Query(max_length=100)]


@router.get("/contracts", include_in_schema=False)
def contracts_page(
    request: Request, session: DbSession, _user: WebUser, settings: AppSettings
) -> Response:
    """Contracts that started lately, end soon or need attention; the quarter's retention."""
    today = utcnow().date()
    overview = contracts_overview(
        session, today=today, default_lead_days=settings.renewal_lead_days
    )
    contracts = [
        *overview.recently_started,
        *overview.ending_soon,
        *(item.contract for item in overview.needing_attention),
    ]
    quarter = period_containing(today, PeriodKind.QUARTER)
    return render(
        request,
        "contracts/page.html",
        {
            "overview": overview,
            "accounts": account_names(session, {c.account_id for c in contracts if c.account_id}),
            "owners": user_names(session, {c.owner_id for c in contracts if c.owner_id}),
            "metrics": retention_metrics(
                session, period=quarter, base_currency=settings.base_currency
            ),
            "lead_days": settings.renewal_lead_days,
        },
    )


@router.get("/abm", include_in_schema=False)
def abm_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    owner_id: Annotated[str, Query(max_length=20)] = "",
    industry: TextQuery = "",
    region: TextQuery = "",
) -> Response:
    """The ABM board: a column per status, least healthy accounts first."""
    filters = BoardFilters(
        owner_id=parse_id(owner_id) if owner_id else None,
        industry=industry or None,
        region=region or None,
    )
    columns = []
    for status, title in ABM_TITLES.items():
        column_filters = BoardFilters(**{**filters.__dict__, "abm_status": status.value})
        page = abm_board(session, filters=column_filters, page=PageRequest(limit=CARDS_PER_COLUMN))
        columns.append((status.value, title, page.items))
    shown = {row.account_id for _s, _t, rows in columns for row in rows}
    return render(
        request,
        "abm/board.html",
        {
            "columns": columns,
            "counts": abm_counts(session, filters=filters),
            "names": account_names(session, shown),
            "filters": filters,
            "owner_value": owner_id,
        },
    )
