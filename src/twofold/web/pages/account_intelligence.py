"""The account page's intelligence panel: health with reasons and history, ABM status,
account value (renewal outlooks, expected value, expansion), share of wallet, whitespace and
the account's contracts.

It is fetched after the page has drawn (HTMX, ``hx-trigger="load"``), so computing the
health never slows the account page; without JavaScript it is a page of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from twofold.account_value.queries import stored_account_value
from twofold.accounts.actions import get_account
from twofold.api.dependencies import AppSettings
from twofold.contracts.queries import ContractFilters, list_contracts, renewal_deal_ids
from twofold.core.time import utcnow
from twofold.intelligence.queries import health_history
from twofold.intelligence.recompute import compute_health
from twofold.intelligence.wallet import share_of_wallet, whitespace
from twofold.store.listing import PageRequest
from twofold.web.dependencies import DbSession, WebUser, is_htmx
from twofold.web.pages.shared import RecordId
from twofold.web.templating import render

router = APIRouter()
CONTRACTS_SHOWN = 20


@router.get("/accounts/{account_id}/intelligence", include_in_schema=False)
def account_intelligence(
    request: Request,
    session: DbSession,
    _user: WebUser,
    settings: AppSettings,
    account_id: RecordId,
) -> Response:
    """Health, ABM status, wallet, whitespace and contracts of one account."""
    account = get_account(session, account_id)
    now = utcnow()
    ingestion = getattr(request.app.state, "ingestion", None)
    [health] = compute_health(
        session,
        store=ingestion.store if ingestion is not None else None,
        now=now,
        default_lead_days=settings.renewal_lead_days,
        account_ids=[account.id],
    )
    contracts = list_contracts(
        session,
        filters=ContractFilters(account_id=account.id),
        page=PageRequest(limit=CONTRACTS_SHOWN, sort="-end_date"),
    ).items
    return render(
        request,
        "accounts/intelligence.html",
        {
            "account": account,
            "fragment": is_htmx(request),
            "health": health,
            "history": health_history(session, account_id=account.id, today=now.date()),
            "wallet": share_of_wallet(
                session, account=account, base_currency=settings.base_currency, today=now.date()
            ),
            "whitespace": whitespace(session, account=account),
            "value": stored_account_value(session, account_id=account.id),
            "contracts": contracts,
            "renewals": renewal_deal_ids(session, contracts),
        },
    )
