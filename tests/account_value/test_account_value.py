"""Account value on both databases: renewal rates learned from past terms (smoothed by
segment), renewal outlooks with reasons, expected contract value, expansion history, the
stored rows, and the health score's renewal-probability signal — against values worked out
by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from twofold.account_value.compute import compute_account_values, recompute_account_values
from twofold.account_value.queries import latest_rate_fit, stored_account_value
from twofold.account_value.settings import account_value_settings, set_account_value_settings
from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract, get_contract, update_contract
from twofold.contracts.renewals import run_renewals
from twofold.contracts.schemas import ContractCreate, ContractUpdate
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal, move_deal_to_stage
from twofold.intelligence.health import Reason
from twofold.intelligence.recompute import AccountHealthResult, compute_health
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.database import Database
from twofold.store.models import AccountValue, ContractValue, User

NOW = utcnow().replace(microsecond=0)
TODAY = NOW.date()


@dataclass(frozen=True)
class World:
    accounts: dict[str, int]
    contracts: dict[str, int]


def days(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def world(database: Database, admin: User) -> World:
    """Past terms: Ent1 renewed as a new contract (12,000 -> 15,000), Ent2 lapsed, Ent3
    renewed (10,000 -> 9,000), Smb1 lapsed (its next contract began 70 days later), Smb2
    ended 10 days ago (still in its grace days: no outcome). Current: Ent1 ends in 183 days,
    Ent3 in 316, Smb1 in 335, Mid ends in 40 with auto-renew."""
    accounts: dict[str, int] = {}
    contracts: dict[str, int] = {}
    with database.transaction() as session:
        actor = session.merge(admin)
        for name, tier in (
            ("Ent1", "enterprise"),
            ("Ent2", "enterprise"),
            ("Ent3", "enterprise"),
            ("Smb1", "smb"),
            ("Smb2", "smb"),
            ("Mid", "mid_market"),
        ):
            data = AccountCreate(name=name, tier=tier, employees=500)
            accounts[name] = create_account(session, actor=actor, data=data).id

        def contract(name: str, account: str, start: int, end: int, arr: str, **extra: Any) -> None:
            data = ContractCreate(
                name=name,
                account_id=accounts[account],
                status=extra.pop("status", "active"),
                start_date=days(start),
                end_date=days(end),
                arr=arr,
                currency="EUR",
                **extra,
            )
            contracts[name] = create_contract(session, actor=actor, data=data).id

        contract("Ent1 first", "Ent1", -546, -182, "12000", status="ended")
        contract("Ent1 second", "Ent1", -181, 183, "15000")
        contract("Ent2 only", "Ent2", -565, -200, "8000", status="ended")
        contract("Ent3 first", "Ent3", -415, -50, "10000", status="ended")
        contract("Ent3 second", "Ent3", -49, 316, "9000")
        contract("Smb1 first", "Smb1", -465, -100, "3000", status="ended")
        contract("Smb1 second", "Smb1", -30, 335, "3600")
        contract("Smb2 only", "Smb2", -375, -10, "2000")
        contract("Mid now", "Mid", -325, 40, "6000", auto_renew=True)
        set_account_value_settings(
            session,
            actor=actor,
            changes={
                "segment_by": ["tier"],
                "prior_strength": 2,
                "horizon_years": 1,
                "annual_discount_rate": "0",
            },
        )
    return World(accounts, contracts)


def outlooks(database: Database) -> dict[str, tuple[float, Decimal, list[str]]]:
    with database.transaction() as session:
        run = compute_account_values(session, today=TODAY)
        names = {
            row["contract_id"]: get_contract(session, row["contract_id"]).name
            for result in run.results
            for row in result.contracts
        }
    return {
        names[row["contract_id"]]: (
            row["renewal_probability"],
            row["expected_value"],
            row["reasons"],
        )
        for result in run.results
        for row in result.contracts
    }


def renewal_signal(result: AccountHealthResult) -> Reason:
    return next(reason for reason in result.reasons if reason.signal == "renewal_probability")


def test_rates_are_laplace_then_smoothed_toward_the_parent(
    database: Database, world: World
) -> None:
    found = outlooks(database)
    # All: 2 of 4 renewed -> (2 + 1) / (4 + 2) = 0.5. Enterprise: (2 + 2 x 0.5) / (3 + 2) = 0.6.
    # Smb: (0 + 2 x 0.5) / (1 + 2) = 1/3 (Smb2's term is still in its grace days). Mid: no
    # past terms -> the parent's 0.5.
    assert found["Ent1 second"][0] == pytest.approx(0.6)
    assert found["Ent3 second"][0] == pytest.approx(0.6)
    assert found["Smb1 second"][0] == pytest.approx(1 / 3)
    assert found["Mid now"][0] == pytest.approx(0.5)
    assert found["Ent1 second"][2][0] == (
        "tier enterprise: 2 of 3 past terms renewed \u2192 60% (smoothed toward all contracts 50%)"
    )
    assert found["Mid now"][2] == [
        "tier mid_market: no past terms \u2192 50% (smoothed toward all contracts 50%)",
        "Ends in 40 days",
        "Renews automatically unless cancelled",
    ]
    assert "Ends in 183 days with no renewal deal yet" in found["Ent1 second"][2]
    assert "ARR grew 25% at the last renewal (" + days(-182) + ")" in found["Ent1 second"][2]
    assert "ARR shrank 10% at the last renewal (" + days(-50) + ")" in found["Ent3 second"][2]


def test_expected_value_by_hand(database: Database, admin: User, world: World) -> None:
    found = outlooks(database)
    # Ent1 second: 15,000 ARR = 1,250 a month; 6 months left (183 / 30.4375), a 12-month
    # term; one year, no discount: 6 x 1,250 + 6 x 1,250 x 0.6 = 12,000.
    assert found["Ent1 second"][1] == Decimal("12000.0000")
    # Mid: 500 a month; 1 month left (40 days), 12-month term, p = 0.5: 500 + 11 x 250.
    assert found["Mid now"][1] == Decimal("3250.0000")
    with database.transaction() as session:
        set_account_value_settings(
            session, actor=session.merge(admin), changes={"annual_discount_rate": "0.10"}
        )
    # sum over m = 1..6 of 1,250 x 1.1^(-m/12) + over m = 7..12 of 750 x 1.1^(-m/12)
    assert outlooks(database)["Ent1 second"][1] == Decimal("11468.3864")
    with database.transaction() as session:
        set_account_value_settings(
            session, actor=session.merge(admin), changes={"horizon_years": 2}
        )
    # A second year adds the renewed months (at 60 % and discounted): the value grows.
    assert outlooks(database)["Ent1 second"][1] > Decimal("11468.3864")


def test_recompute_stores_rows_fit_and_expansion(
    database: Database, admin: User, world: World
) -> None:
    with database.transaction() as session:
        recompute_account_values(session, actor=session.merge(admin), now=NOW)
        recompute_account_values(session, actor=session.merge(admin), now=NOW)
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ContractValue)) == 4
        assert session.scalar(select(func.count()).select_from(AccountValue)) == 6
        fit = latest_rate_fit(session)
        assert fit is not None
        assert (fit.terms, fit.renewed) == (4, 2)
        assert fit.segments[0] == {"segment": {}, "terms": 4, "renewed": 2, "rate": 0.5}
        assert {
            "segment": {"tier": "smb"},
            "terms": 1,
            "renewed": 0,
            "rate": 0.333333,
        } in fit.segments
        ent1 = stored_account_value(session, account_id=world.accounts["Ent1"])
        assert ent1.expected_values == {"EUR": "12000.00"}
        assert ent1.arr == {"EUR": "15000.00"}
        assert [
            (e["kind"], e["arr_before"], e["arr_after"], e["change"]) for e in ent1.expansion
        ] == [("renewal", "12000.0000", "15000.0000", "3000.0000")]
        assert ent1.net_expansion == {"EUR": "3000.0000"}
        [outlook] = ent1.contracts
        assert (outlook.name, outlook.risk) == ("Ent1 second", "medium")
        ent2 = stored_account_value(session, account_id=world.accounts["Ent2"])
        assert ent2.contracts == []
        assert [(e["kind"], e["note"]) for e in ent2.expansion] == [("churn", "lapsed")]
        smb1 = stored_account_value(session, account_id=world.accounts["Smb1"])
        assert smb1.contracts[0].risk == "high"


def test_an_amendment_is_expansion_and_a_lost_renewal_deal_is_certain_churn(
    database: Database, admin: User, world: World
) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        contract = get_contract(session, world.contracts["Mid now"])
        update_contract(session, actor=actor, contract=contract, data=ContractUpdate(arr="7200"))
        made = run_renewals(session, actor=actor, today=TODAY, default_lead_days=90)
        [renewal] = [m for m in made.created if m.contract_id == contract.id]
        lost = next(
            stage
            for stage in pipeline_stages(session, default_pipeline(session).id)
            if stage.kind == "lost"
        )
        deal = get_deal(session, renewal.deal_id)
        move_deal_to_stage(session, actor=actor, deal=deal, stage_id=lost.id, lost_reason="Price")
    found = outlooks(database)
    assert found["Mid now"][0] == 0.0
    assert found["Mid now"][2][0] == f"Renewal deal lost ({lost.name})"
    assert "ARR grew 20% at the last upsell (" + TODAY.isoformat() + ")" in found["Mid now"][2]
    # Only the month left is earned: 7,200 / 12.
    assert found["Mid now"][1] == Decimal("600.0000")


def test_an_extended_contract_counts_its_earlier_term_as_renewed(
    database: Database, admin: User, world: World
) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        # Smb2's term ended 10 days ago; its renewal deal was made before, then it was extended.
        run_renewals(session, actor=actor, today=TODAY - timedelta(days=40), default_lead_days=90)
        contract = get_contract(session, world.contracts["Smb2 only"])
        update_contract(
            session, actor=actor, contract=contract, data=ContractUpdate(end_date=days(355))
        )
    # Smb now 1 of 2 renewed: (1 + 2 x 0.5) / (2 + 2) = 0.5; overall 3 of 5 -> 4/7.
    found = outlooks(database)
    assert found["Smb1 second"][0] == pytest.approx((1 + 2 * 4 / 7) / (2 + 2))
    assert found["Smb2 only"][0] == pytest.approx((1 + 2 * 4 / 7) / (2 + 2))


def test_health_reads_the_learned_probability(
    database: Database, admin: User, world: World
) -> None:
    with database.transaction() as session:
        before = compute_health(session, store=None, now=NOW, default_lead_days=90)
    signal = {result.account_id: renewal_signal(result) for result in before}
    assert signal[world.accounts["Smb1"]].message == "No active contract up for renewal"
    with database.transaction() as session:
        recompute_account_values(session, actor=None, now=NOW)
        after = {
            r.account_id: r
            for r in compute_health(session, store=None, now=NOW, default_lead_days=90)
        }
    smb1 = after[world.accounts["Smb1"]]
    reason = renewal_signal(smb1)
    # 10 x (1 - 1/3) = 6.67 -> 7 points.
    assert (reason.points, reason.message) == (
        -7,
        "Contract Smb1 second is 33% likely to renew (\u22127)",
    )
    ent1 = renewal_signal(after[world.accounts["Ent1"]])
    assert ent1.points == -4  # 10 x 0.4


def test_no_history_is_the_prior_and_costs_no_health(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        account = create_account(session, actor=actor, data=AccountCreate(name="New")).id
        create_contract(
            session,
            actor=actor,
            data=ContractCreate(
                name="New deal",
                account_id=account,
                status="active",
                start_date=days(-10),
                end_date=days(355),
                arr="1200",
                currency="EUR",
            ),
        )
        recompute_account_values(session, actor=None, now=NOW)
        [health] = compute_health(session, store=None, now=NOW, default_lead_days=90)
        [outlook] = stored_account_value(session, account_id=account).contracts
    assert (outlook.renewal_probability, outlook.learned) == (0.5, False)
    assert outlook.reasons[0].startswith("No contract term has reached its end yet")
    reason = renewal_signal(health)
    assert reason.points == 0


def test_settings_are_checked_and_need_an_admin(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        for bad in (
            {"annual_discount_rate": "1.5"},
            {"annual_discount_rate": 0.1},
            {"annual_discount_rate": "x"},
            {"horizon_years": 0},
            {"horizon_years": True},
            {"prior_strength": -1},
            {"grace_days": 400},
            {"segment_by": ["shoe_size"]},
            {"segment_by": ["tier", "tier"]},
            {"segment_by": "tier"},
            {"nope": 1},
        ):
            with pytest.raises(ValidationFailed):
                set_account_value_settings(session, actor=actor, changes=bad)
        assert account_value_settings(session).segment_by == ("tier", "size_band")
        rep = User(email="rep@example.com", name="Rep", role="rep", password_hash="x")
        with pytest.raises(PermissionDenied):
            set_account_value_settings(session, actor=rep, changes={"horizon_years": 2})
        with pytest.raises(PermissionDenied):
            recompute_account_values(session, actor=rep, now=NOW)
