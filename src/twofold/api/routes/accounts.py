"""/api/v1/accounts: CRUD, hierarchy roll-ups and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from twofold.accounts import actions, hierarchy
from twofold.accounts.queries import AccountFilters, list_accounts
from twofold.accounts.schemas import AccountCreate, AccountUpdate
from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import SEARCH_HELP, CustomFilters, Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.records import AccountOut
from twofold.core.enums import AccountLifecycle, AccountTier, RecordType
from twofold.core.money import format_amount
from twofold.timeline.entries import read_timeline

router = APIRouter(prefix="/accounts", tags=["accounts"])


class RollupOut(BaseModel):
    """Totals over the account and its subsidiaries (money per currency)."""

    accounts: int
    people: int
    open_deals: int
    open_pipeline: dict[str, str]
    won_revenue: dict[str, str]


class HierarchyNodeOut(BaseModel):
    """An account in its hierarchy."""

    id: int
    name: str
    children: list[HierarchyNodeOut]


def account_filters(
    custom: CustomFilters,
    search: Annotated[
        str | None, Query(description=SEARCH_HELP.format(fields="name or domain"))
    ] = None,
    owner_id: int | None = None,
    parent_id: int | None = None,
    industry: str | None = None,
    country: str | None = None,
    tier: AccountTier | None = None,
    lifecycle: AccountLifecycle | None = None,
    updated_since: datetime | None = None,
) -> AccountFilters:
    """The list filters, from the query string (the list and its CSV export share them)."""
    return AccountFilters(
        search=search,
        owner_id=owner_id,
        parent_id=parent_id,
        industry=industry,
        country=country.upper() if country else None,
        tier=tier.value if tier else None,
        lifecycle=lifecycle.value if lifecycle else None,
        updated_since=updated_since,
        custom=custom,
    )


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    filters: Annotated[AccountFilters, Depends(account_filters)],
) -> ListOut[AccountOut]:
    """Accounts, filtered and searched, one page at a time."""
    page = list_accounts(session, filters=filters, page=paging)
    return ListOut(items=[AccountOut.of(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: AccountCreate, session: DbSession, user: ApiUser, response: Response
) -> AccountOut:
    """Create an account (owned by you unless ``owner_id`` is given)."""
    account = actions.create_account(session, actor=user, data=data)
    set_etag(response, account.version)
    return AccountOut.of(account)


@router.get("/{account_id}")
def read(account_id: int, session: DbSession, response: Response) -> AccountOut:
    """One account; the ``ETag`` header carries its version."""
    account = actions.get_account(session, account_id)
    set_etag(response, account.version)
    return AccountOut.of(account)


@router.patch("/{account_id}")
def update(
    account_id: int,
    data: AccountUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> AccountOut:
    """Change the fields sent; ``If-Match`` with a stale version answers 412."""
    account = actions.get_account(session, account_id)
    actions.update_account(
        session, actor=user, account=account, data=data, expected_version=expected_version
    )
    set_etag(response, account.version)
    return AccountOut.of(account)


@router.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(
    account_id: int, session: DbSession, user: ApiUser, expected_version: ExpectedVersion
) -> None:
    """Delete an account without subsidiaries or deals."""
    account = actions.get_account(session, account_id)
    actions.delete_account(session, actor=user, account=account, expected_version=expected_version)


@router.get("/{account_id}/rollup")
def rollup(account_id: int, session: DbSession) -> RollupOut:
    """Open pipeline, won revenue, people and accounts over the account's subtree."""
    actions.get_account(session, account_id)
    totals = hierarchy.account_rollup(session, account_id)
    return RollupOut(
        accounts=totals.accounts,
        people=totals.people,
        open_deals=totals.open_deals,
        open_pipeline={c: format_amount(a, c) for c, a in totals.open_pipeline.items()},
        won_revenue={c: format_amount(a, c) for c, a in totals.won_revenue.items()},
    )


@router.get("/{account_id}/hierarchy")
def tree(account_id: int, session: DbSession) -> HierarchyNodeOut:
    """The whole hierarchy the account belongs to, from its root."""
    actions.get_account(session, account_id)
    root = hierarchy.hierarchy_tree(session, account_id)
    return HierarchyNodeOut.model_validate(root, from_attributes=True)


@router.get("/{account_id}/timeline")
def timeline(
    account_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The account's history, newest first."""
    actions.get_account(session, account_id)
    entries = read_timeline(
        session, record=(RecordType.ACCOUNT, account_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
