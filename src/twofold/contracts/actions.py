"""The verbs that create, change and delete contracts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.contracts.schemas import ContractCreate, ContractFields, ContractLineIn, ContractUpdate
from twofold.core.enums import BillingPeriod, ContractStatus, RecordType, StageKind
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.money import parse_amount, parse_currency
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.persons.actions import get_person
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Contract, ContractLine, Deal, Stage, User
from twofold.timeline import kinds
from twofold.timeline.entries import RecordRef, append_to_timelines, field_changes

DEFAULT_CURRENCY = "USD"
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class LineValues:
    """A checked product line, ready to store."""

    description: str
    product: str
    amount: Decimal


def get_contract(session: Session, contract_id: int) -> Contract:
    """The contract with this id, or ``NotFound``."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"no contract {contract_id}")
    return contract


def contract_lines(session: Session, contract_id: int) -> list[ContractLine]:
    """A contract's product lines in their order."""
    query = select(ContractLine).where(ContractLine.contract_id == contract_id)
    return list(session.scalars(query.order_by(ContractLine.position)))


def contract_records(contract: Contract) -> list[RecordRef]:
    """The contract and the account or person it is with: whose timelines a change touches."""
    records: list[RecordRef] = [(RecordType.CONTRACT, contract.id)]
    if contract.account_id is not None:
        records.append((RecordType.ACCOUNT, contract.account_id))
    if contract.person_id is not None:
        records.append((RecordType.PERSON, contract.person_id))
    return records


def create_contract(session: Session, *, actor: User, data: ContractCreate) -> Contract:
    """Add a contract (a draft unless a status is given); ARR is 12 x MRR unless given."""
    ensure_can_write(actor)
    values = _clean_fields(session, data, current=None)
    if values.get("account_id") is None and values.get("person_id") is None:
        raise ValidationFailed.on("account_id", "a contract needs an account_id or a person_id")
    values.setdefault("owner_id", actor.id)
    ensure_can_assign(actor, values["owner_id"])
    lines = values.pop("lines", None) or []
    defaults: dict[str, Any] = {
        "status": ContractStatus.DRAFT.value,
        "auto_renew": False,
        "billing_period": BillingPeriod.MONTHLY.value,
    }
    contract = Contract(name=data.name, **{**defaults, **values})
    contract.search_text = search_text(contract.name)
    session.add(contract)
    session.flush()
    _store_lines(session, contract, lines)
    append_to_timelines(
        session,
        actor=actor,
        records=contract_records(contract),
        kind=kinds.CREATED,
        summary=f"Contract {contract.name} created",
    )
    return contract


def update_contract(
    session: Session,
    *,
    actor: User,
    contract: Contract,
    data: ContractUpdate,
    expected_version: int | None = None,
) -> Contract:
    """Apply the fields present (``lines`` replaces every line)."""
    ensure_can_edit(actor, contract.owner_id, record="contract")
    ensure_version(contract, expected_version)
    values = _clean_fields(session, data, current=contract)
    if "name" in data.model_fields_set and data.name:
        values["name"] = data.name
    if "owner_id" in values:
        ensure_can_assign(actor, values["owner_id"])
    account_id = values.get("account_id", contract.account_id)
    if account_id is None and values.get("person_id", contract.person_id) is None:
        raise ValidationFailed.on("account_id", "a contract needs an account_id or a person_id")
    lines = values.pop("lines", None)
    before = _snapshot(contract)
    records_before = contract_records(contract)
    apply_changes(contract, values)
    changes = field_changes(before, _snapshot(contract))
    if lines is not None:
        session.execute(delete(ContractLine).where(ContractLine.contract_id == contract.id))
        _store_lines(session, contract, lines)
        changes["lines"] = {"before": None, "after": len(lines)}
    if changes:
        contract.search_text = search_text(contract.name)
        contract.updated_at = utcnow()  # lines alone still make a new version (ETag)
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[*records_before, *contract_records(contract)],
            kind=kinds.UPDATED,
            summary=f"{contract.name}: changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return contract


def delete_contract(
    session: Session, *, actor: User, contract: Contract, expected_version: int | None = None
) -> None:
    """Delete a contract with its lines (renewal deals stay; the timeline is kept)."""
    ensure_can_edit(actor, contract.owner_id, record="contract")
    ensure_version(contract, expected_version)
    append_to_timelines(
        session,
        actor=actor,
        records=contract_records(contract),
        kind=kinds.DELETED,
        summary=f"Contract {contract.name} deleted",
    )
    session.delete(contract)
    session.flush()


TRACKED_FIELDS = (
    "name",
    "account_id",
    "person_id",
    "status",
    "start_date",
    "end_date",
    "auto_renew",
    "billing_period",
    "mrr",
    "arr",
    "currency",
    "owner_id",
    "won_deal_id",
    "renewal_lead_days",
    "notes",
)


def _snapshot(contract: Contract) -> dict[str, Any]:
    return {name: getattr(contract, name) for name in TRACKED_FIELDS}


def _store_lines(session: Session, contract: Contract, lines: list[LineValues]) -> None:
    for position, line in enumerate(lines):
        session.add(
            ContractLine(
                contract_id=contract.id,
                position=position,
                description=line.description,
                product=line.product,
                amount=line.amount,
            )
        )


def _clean_fields(
    session: Session, data: ContractFields, *, current: Contract | None
) -> dict[str, Any]:
    present = data.model_fields_set
    values: dict[str, Any] = {key: getattr(data, key) for key in present if key != "name"}
    for key in ("status", "start_date", "end_date", "auto_renew", "billing_period"):
        if key in values and values[key] is None:
            raise ValidationFailed.on(key, "must not be empty")
    for key in ("status", "billing_period"):
        if key in values:
            values[key] = values[key].value
    start = values.get("start_date", current.start_date if current else None)
    end = values.get("end_date", current.end_date if current else None)
    if start is not None and end is not None and end <= start:
        field = "end_date" if "end_date" in values else "start_date"
        raise ValidationFailed.on(field, f"the end ({end}) must be after the start ({start})")
    _clean_money(values, current)
    if "lines" in values:
        currency = values.get("currency") or (current.currency if current else DEFAULT_CURRENCY)
        values["lines"] = _clean_lines(values["lines"] or [], currency)
    _check_references(session, values)
    return values


def _clean_money(values: dict[str, Any], current: Contract | None) -> None:
    """Currency first, then MRR and ARR: the one not given follows the other (x or / 12)."""
    if "currency" in values:
        if values["currency"] is None:
            raise ValidationFailed.on("currency", "must not be empty")
        values["currency"] = parse_currency(values["currency"])
    currency = values.get("currency") or (current.currency if current else DEFAULT_CURRENCY)
    values["currency"] = currency
    mrr = values.pop("mrr", None)
    arr = values.pop("arr", None)
    if mrr is None and arr is None:
        if current is None:
            raise ValidationFailed.on("mrr", "give the mrr or the arr")
        if currency == current.currency:
            return
        mrr, arr = str(current.mrr.normalize()), str(current.arr.normalize())
    places = Decimal(1).scaleb(-get_currency_precision(currency))
    if mrr is not None:
        values["mrr"] = parse_amount(mrr, currency, field="mrr")
    if arr is not None:
        values["arr"] = parse_amount(arr, currency, field="arr")
    if arr is None:
        values["arr"] = parse_amount(str(values["mrr"] * MONTHS_PER_YEAR), currency, field="mrr")
    if mrr is None:
        values["mrr"] = (values["arr"] / MONTHS_PER_YEAR).quantize(places, ROUND_HALF_UP)


def _clean_lines(lines: list[ContractLineIn], currency: str) -> list[LineValues]:
    cleaned = []
    for index, line in enumerate(lines):
        product = " ".join(search_text(line.description).split())
        if not product:
            raise ValidationFailed.on(f"lines[{index}].description", "must not be empty")
        amount = parse_amount(line.amount, currency, field=f"lines[{index}].amount")
        cleaned.append(LineValues(description=line.description, product=product, amount=amount))
    return cleaned


def _check_references(session: Session, values: dict[str, Any]) -> None:
    for field, getter in (("account_id", get_account), ("person_id", get_person)):
        if values.get(field) is not None:
            try:
                getter(session, values[field])
            except NotFound as error:
                raise ValidationFailed.on(field, error.message) from None
    if values.get("owner_id") is not None and session.get(User, values["owner_id"]) is None:
        raise ValidationFailed.on("owner_id", f"no user {values['owner_id']}")
    deal_id = values.get("won_deal_id")
    if deal_id is not None:
        kind = session.scalar(
            select(Stage.kind).join(Deal, Deal.stage_id == Stage.id).where(Deal.id == deal_id)
        )
        if kind is None:
            raise ValidationFailed.on("won_deal_id", f"no deal {deal_id}")
        if kind != StageKind.WON:
            raise ValidationFailed.on("won_deal_id", f"deal {deal_id} is not won")
