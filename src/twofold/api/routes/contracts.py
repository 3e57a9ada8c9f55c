"""/api/v1/contracts: CRUD, recurring-revenue metrics, the renewal run, timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.contracts import ContractOut, RenewalRunOut, RetentionMetricsOut
from twofold.contracts import actions
from twofold.contracts.metrics import retention_metrics
from twofold.contracts.queries import ContractFilters, list_contracts, renewal_deal_ids
from twofold.contracts.renewals import run_renewals
from twofold.contracts.schemas import ContractCreate, ContractUpdate
from twofold.core.enums import ContractStatus, RecordType
from twofold.core.time import utcnow
from twofold.forecasting.periods import parse_period
from twofold.store.models import Contract
from twofold.timeline.entries import read_timeline

router = APIRouter(prefix="/contracts", tags=["contracts"])


def contracts_out(session: Session, contracts: list[Contract]) -> list[ContractOut]:
    """Render contracts with their lines and current renewal deals."""
    renewals = renewal_deal_ids(session, contracts)
    return [
        ContractOut.of(
            contract,
            lines=actions.contract_lines(session, contract.id),
            renewal_deal_id=renewals.get(contract.id),
        )
        for contract in contracts
    ]


def contract_out(session: Session, contract: Contract, response: Response) -> ContractOut:
    """Render one contract and set its ETag."""
    set_etag(response, contract.version)
    return contracts_out(session, [contract])[0]


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    search: Annotated[str | None, Query(description="a substring of the name")] = None,
    account_id: int | None = None,
    person_id: int | None = None,
    owner_id: int | None = None,
    status: ContractStatus | None = None,
    auto_renew: bool | None = None,
    ending_after: Annotated[date | None, Query(description="end date on or after")] = None,
    ending_before: Annotated[date | None, Query(description="end date on or before")] = None,
    starting_after: Annotated[date | None, Query(description="start date on or after")] = None,
    starting_before: Annotated[date | None, Query(description="start date on or before")] = None,
) -> ListOut[ContractOut]:
    """Contracts, filtered, one page at a time (soonest end first unless ``sort`` is given)."""
    filters = ContractFilters(
        search=search,
        account_id=account_id,
        person_id=person_id,
        owner_id=owner_id,
        status=status.value if status else None,
        auto_renew=auto_renew,
        ending_after=ending_after,
        ending_before=ending_before,
        starting_after=starting_after,
        starting_before=starting_before,
    )
    page = list_contracts(session, filters=filters, page=paging)
    return ListOut(items=contracts_out(session, page.items), next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: ContractCreate, session: DbSession, user: ApiUser, response: Response
) -> ContractOut:
    """Create a contract (a draft unless ``status`` is given); ARR is 12 x MRR unless given."""
    return contract_out(session, actions.create_contract(session, actor=user, data=data), response)


@router.get("/metrics")
def metrics(
    session: DbSession,
    settings: AppSettings,
    period: Annotated[str, Query(description="2027-Q1 or 2027-03")],
) -> RetentionMetricsOut:
    """New, expansion, contraction, churned ARR and net/gross revenue retention of a period."""
    return RetentionMetricsOut.of(
        retention_metrics(
            session, period=parse_period(period), base_currency=settings.base_currency
        )
    )


@router.post("/renewals/run")
def renewals(session: DbSession, settings: AppSettings, user: ApiUser) -> RenewalRunOut:
    """Make the renewal deals that are due now (managers and admins); safe to repeat."""
    run = run_renewals(
        session,
        actor=user,
        today=utcnow().date(),
        default_lead_days=settings.renewal_lead_days,
    )
    return RenewalRunOut.of(run)


@router.get("/{contract_id}")
def read(contract_id: int, session: DbSession, response: Response) -> ContractOut:
    """One contract; the ``ETag`` header carries its version."""
    return contract_out(session, actions.get_contract(session, contract_id), response)


@router.patch("/{contract_id}")
def update(
    contract_id: int,
    data: ContractUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> ContractOut:
    """Change the fields sent; ``lines`` replaces every line."""
    contract = actions.get_contract(session, contract_id)
    actions.update_contract(
        session, actor=user, contract=contract, data=data, expected_version=expected_version
    )
    return contract_out(session, contract, response)


@router.delete("/{contract_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(
    contract_id: int, session: DbSession, user: ApiUser, expected_version: ExpectedVersion
) -> None:
    """Delete a contract."""
    contract = actions.get_contract(session, contract_id)
    actions.delete_contract(
        session, actor=user, contract=contract, expected_version=expected_version
    )


@router.get("/{contract_id}/timeline")
def timeline(
    contract_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The contract's history, newest first."""
    actions.get_contract(session, contract_id)
    entries = read_timeline(
        session, record=(RecordType.CONTRACT, contract_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
