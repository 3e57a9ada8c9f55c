"""Reading contracts: filtered, searched, sorted, paginated lists, and the overview lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.text import escape_like, search_text
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Contract, ContractRenewal

SORTABLE = {
    "name": Contract.name,
    "start_date": Contract.start_date,
    "end_date": Contract.end_date,
    "created_at": Contract.created_at,
    "updated_at": Contract.updated_at,
    "id": Contract.id,
}
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ContractFilters:
    """Conditions a list of contracts can be narrowed by (date bounds are inclusive)."""

    search: str | None = None
    account_id: int | None = None
    person_id: int | None = None
    owner_id: int | None = None
    status: str | None = None
    auto_renew: bool | None = None
    ending_after: date | None = None
    ending_before: date | None = None
    starting_after: date | None = None
    starting_before: date | None = None


def list_contracts(
    session: Session, *, filters: ContractFilters, page: PageRequest
) -> Page[Contract]:
    """One page of contracts matching ``filters``, soonest end first unless sorted otherwise."""
    return paginate(
        session,
        filtered_contracts(filters),
        page=page,
        sortable=SORTABLE,
        default_sort="end_date",
        id_column=Contract.id,
    )


def filtered_contracts(filters: ContractFilters) -> Select[Contract]:
    """The query of the contracts ``filters`` let through."""
    query = select(Contract)
    for name in ("account_id", "person_id", "owner_id", "status", "auto_renew"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(Contract, name) == value)
    if filters.ending_after is not None:
        query = query.where(Contract.end_date >= filters.ending_after)
    if filters.ending_before is not None:
        query = query.where(Contract.end_date <= filters.ending_before)
    if filters.starting_after is not None:
        query = query.where(Contract.start_date >= filters.starting_after)
    if filters.starting_before is not None:
        query = query.where(Contract.start_date <= filters.starting_before)
    if filters.search:
        if len(filters.search) > MAX_SEARCH_LENGTH:
            raise ValidationFailed.on("search", f"at most {MAX_SEARCH_LENGTH} characters")
        needle = escape_like(search_text(filters.search.strip()))
        query = query.where(Contract.search_text.like(f"%{needle}%", escape="\\"))
    return query


def renewal_deal_ids(session: Session, contracts: list[Contract]) -> dict[int, int | None]:
    """For each contract whose current term has its renewal deal: that deal's id (``None``
    when the deal was deleted since)."""
    if not contracts:
        return {}
    ends = {contract.id: contract.end_date for contract in contracts}
    rows = session.execute(
        select(
            ContractRenewal.contract_id, ContractRenewal.term_end, ContractRenewal.deal_id
        ).where(ContractRenewal.contract_id.in_(ends))
    ).all()
    return {
        contract_id: deal_id
        for contract_id, term_end, deal_id in rows
        if ends[contract_id] == term_end
    }
