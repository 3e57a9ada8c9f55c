"""Date, deal-stage and form triggers (issue 7, part 1): who enters, with which entry key, on
which day; nothing entered twice; nothing missed after a pause or a restart — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from flows_support import T0, Shop, shop
from leads.leads_support import contact_form
from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.deals.actions import create_deal, get_deal, move_deal_to_stage
from twofold.deals.schemas import DealCreate
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.definition import parse_flow
from twofold.flows.triggers import collect_entries
from twofold.forms.submissions import Visitor, submit_form
from twofold.store.models import (
    Contract,
    Flow,
    FlowRun,
    Membership,
    Person,
    Pipeline,
    Stage,
    User,
    WebForm,
)

__all__ = ["shop"]

TAG = [{"id": "tag", "type": "update_trait", "trait": "touched", "value": True}]


def flow_with(shop: Shop, trigger: dict[str, Any], name: str = "Dated") -> int:
    return shop.flow({"trigger": trigger, "start": "tag", "steps": TAG}, name=name)


def checked_through(shop: Shop, flow_id: int, day: date) -> None:
    """As if the flow had been activated the day before ``day``."""
    with shop.database.transaction() as session:
        session.execute(update(Flow).where(Flow.id == flow_id).values(dates_checked_through=day))


def entry_keys(shop: Shop, flow_id: int) -> list[tuple[int, str]]:
    return [(run.person_id, run.entry_key) for run in shop.runs(flow_id)]


def people_with(shop: Shop, **traits: Any) -> dict[str, int]:
    with shop.database.transaction() as session:
        made = {
            name: Person(first_name=name, traits={"birthday": value})
            for name, value in traits.items()
        }
        session.add_all(made.values())
        session.flush()
        return {name: person.id for name, person in made.items()}


def test_birthdays_enter_once_a_year_with_and_without_a_year(shop: Shop) -> None:
    people = people_with(
        shop,
        Ann="1990-06-01",
        Bob="--06-01",
        Cas="06-02",
        Dan="1985-06-01T08:00:00Z",
        Eve="not a date",
        Fay="1990-13-01",
    )
    flow_id = flow_with(shop, {"type": "date", "trait": "birthday", "yearly": True})
    checked_through(shop, flow_id, T0.date() - timedelta(days=1))  # T0 is 2026-06-01
    assert collect_entries(shop.database, shop.store, now=T0) == 3
    assert collect_entries(shop.database, shop.store, now=T0 + timedelta(hours=5)) == 0
    assert collect_entries(shop.database, shop.store, now=T0 + timedelta(days=1)) == 1
    keys = sorted(entry_keys(shop, flow_id))
    assert keys == sorted(
        [
            (people["Ann"], f"date:{people['Ann']}:2026-06-01"),
            (people["Bob"], f"date:{people['Bob']}:2026-06-01"),
            (people["Dan"], f"date:{people['Dan']}:2026-06-01"),
            (people["Cas"], f"date:{people['Cas']}:2026-06-02"),
        ]
    )


def test_a_leap_day_birthday_is_celebrated_on_28_february(shop: Shop) -> None:
    people = people_with(shop, Lea="2000-02-29")
    flow_id = flow_with(shop, {"type": "date", "trait": "birthday", "yearly": True})
    checked_through(shop, flow_id, date(2027, 2, 27))
    day = T0.replace(year=2027, month=2, day=28)
    assert collect_entries(shop.database, shop.store, now=day) == 1
    assert entry_keys(shop, flow_id) == [(people["Lea"], f"date:{people['Lea']}:2027-02-28")]


def test_days_missed_while_nothing_ran_are_caught_up_with_the_offset(shop: Shop) -> None:
    people = people_with(shop, Ann="2026-06-10", Bob="2026-06-12", Cas="2026-06-20")
    # Three days before the date (not yearly: the date itself, e.g. a trial's end).
    flow_id = flow_with(shop, {"type": "date", "trait": "birthday", "offset_days": -3})
    checked_through(shop, flow_id, date(2026, 6, 6))
    # The worker was down from the 7th to the 9th: the 7th and 9th fire now, the 17th not yet.
    assert collect_entries(shop.database, shop.store, now=T0.replace(day=9)) == 2
    assert sorted(entry_keys(shop, flow_id)) == sorted(
        [
            (people["Ann"], f"date:{people['Ann']}:2026-06-10"),
            (people["Bob"], f"date:{people['Bob']}:2026-06-12"),
        ]
    )


def contract(session: Any, **fields: Any) -> Contract:
    row = Contract(
        name=fields.pop("name", "Support plan"),
        status=fields.pop("status", "active"),
        start_date=date(2025, 7, 1),
        billing_period="yearly",
        mrr=Decimal(100),
        arr=Decimal(1200),
        currency="EUR",
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def test_thirty_days_before_a_contract_ends_its_contact_enters(shop: Shop) -> None:
    ann, bob, cas = shop.people
    end = T0.date() + timedelta(days=30)
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        acme = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        empty = create_account(session, actor=actor, data=AccountCreate(name="Empty"))
        session.add_all(
            [
                Membership(person_id=bob, account_id=acme.id, buying_roles=["influencer"]),
                Membership(person_id=cas, account_id=acme.id, buying_roles=["economic_buyer"]),
            ]
        )
        b2b = contract(session, account_id=acme.id, end_date=end).id
        b2c = contract(session, person_id=ann, end_date=end).id
        contract(session, account_id=empty.id, end_date=end)  # nobody to run it
        contract(session, person_id=ann, end_date=end, status="cancelled")
        contract(session, person_id=ann, end_date=end + timedelta(days=1))
    flow_id = flow_with(shop, {"type": "date", "contract": "end_date", "offset_days": -30})
    checked_through(shop, flow_id, T0.date() - timedelta(days=1))
    assert collect_entries(shop.database, shop.store, now=T0) == 2
    assert sorted(entry_keys(shop, flow_id)) == sorted(
        [(cas, f"contract:{b2b}:{end}"), (ann, f"contract:{b2c}:{end}")]
    )  # the economic buyer outranks the influencer


def pipeline(session: Any) -> dict[str, int]:
    row = Pipeline(name="Flows test", position=5)
    session.add(row)
    session.flush()
    stages = {}
    for position, (name, kind) in enumerate([("Lead", "open"), ("Demo", "open"), ("Won", "won")]):
        stage = Stage(
            pipeline_id=row.id,
            name=name,
            position=position,
            probability=100 if kind == "won" else 10,
            kind=kind,
            forecast_category="closed" if kind == "won" else "pipeline",
        )
        session.add(stage)
        session.flush()
        stages[name] = stage.id
    return {"pipeline": row.id, **stages}


def test_deals_entering_a_won_stage_start_their_contact_once(shop: Shop) -> None:
    ann, bob, _cas = shop.people
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        ids = pipeline(session)
        acme = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        session.add(Membership(person_id=bob, account_id=acme.id, buying_roles=["decision_maker"]))
        deals = [
            create_deal(
                session,
                actor=actor,
                data=DealCreate(
                    name=name, pipeline_id=ids["pipeline"], stage_id=ids["Lead"], **owner
                ),
            ).id
            for name, owner in (("B2C", {"person_id": ann}), ("B2B", {"account_id": acme.id}))
        ]
    flow_id = flow_with(
        shop, {"type": "deal_stage", "stage_kind": "won", "pipeline_id": ids["pipeline"]}
    )
    # The worker is down while both deals are won and one moves on to Demo afterwards.
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        for deal_id in deals:
            deal = get_deal(session, deal_id)
            move_deal_to_stage(session, actor=actor, deal=deal, stage_id=ids["Won"])
        deal = get_deal(session, deals[0])
        move_deal_to_stage(session, actor=actor, deal=deal, stage_id=ids["Demo"])
    later = utcnow() + timedelta(minutes=2)  # the stage changes have settled
    assert collect_entries(shop.database, shop.store, now=later) == 2
    assert collect_entries(shop.database, shop.store, now=later + timedelta(minutes=2)) == 0
    runs = {run.person_id: run.entry_key for run in shop.runs(flow_id)}
    assert set(runs) == {ann, bob}
    assert all(key.startswith("stage-visit:") for key in runs.values())
    with shop.database.transaction(write=False) as session:
        watermark = session.get_one(Flow, flow_id).stage_watermark
    assert watermark > 0  # settled rows are not read again


@pytest.mark.parametrize(
    ("trigger", "path"),
    [
        ({"type": "date"}, "flow.trigger"),
        ({"type": "date", "trait": "birthday", "contract": "end_date"}, "flow.trigger"),
        ({"type": "date", "trait": "birthday", "offset_days": 1.5}, "flow.trigger.offset_days"),
        ({"type": "date", "trait": "birthday", "offset_days": 400}, "flow.trigger.offset_days"),
        ({"type": "date", "trait": "birthday", "yearly": "yes"}, "flow.trigger.yearly"),
        ({"type": "date", "contract": "renewal"}, "flow.trigger.contract"),
        ({"type": "date", "contract": "end_date", "yearly": True}, "flow.trigger.yearly"),
        ({"type": "date", "trait": "", "offset_days": 0}, "flow.trigger.trait"),
        ({"type": "date", "trait": "birthday", "every": "year"}, "flow.trigger.every"),
        ({"type": "deal_stage"}, "flow.trigger"),
        ({"type": "deal_stage", "stage_id": 1, "stage_kind": "won"}, "flow.trigger"),
        ({"type": "deal_stage", "stage_kind": "closed"}, "flow.trigger.stage_kind"),
        ({"type": "deal_stage", "stage_id": "3"}, "flow.trigger.stage_id"),
        ({"type": "deal_stage", "stage_id": 3, "pipeline_id": 1}, "flow.trigger.pipeline_id"),
        ({"type": "deal_stage", "stage_kind": "won", "pipeline_id": 0}, "flow.trigger.pipeline_id"),
        ({"type": "form"}, "flow.trigger.form_id"),
        ({"type": "form", "form_id": True}, "flow.trigger.form_id"),
    ],
)
def test_bad_triggers_are_refused_with_their_path(trigger: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_flow({"trigger": trigger, "start": "tag", "steps": TAG})
    assert path in {problem.field for problem in refused.value.details}


def test_missing_stages_and_forms_are_refused(shop: Shop) -> None:
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        for trigger, field in (
            ({"type": "deal_stage", "stage_id": 99999}, "flow.trigger.stage_id"),
            ({"type": "form", "form_id": 99999}, "flow.trigger.form_id"),
        ):
            document = {"trigger": trigger, "start": "tag", "steps": TAG}
            with pytest.raises(ValidationFailed) as refused:
                create_flow(session, actor=actor, data=FlowCreate(name="No", definition=document))
            assert refused.value.details[0].field == field
    with shop.database.transaction(write=False) as session:
        assert session.scalars(select(FlowRun)).all() == []


def test_form_submissions_enter_their_people_once_from_activation_on(shop: Shop) -> None:
    def submit(form: WebForm, email: str) -> int:
        with shop.database.transaction() as session:
            submitted = submit_form(
                session,
                shop.store,
                form=session.merge(form),
                submitted={"email": email, "name": email.split("@", maxsplit=1)[0]},
                visitor=Visitor(address="203.0.113.9"),
                secret_key="test-secret",
            ).submission
            assert submitted is not None
            assert submitted.person_id is not None
            return submitted.person_id

    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        form = contact_form(session, actor)
        other = contact_form(session, actor, name="Newsletter")
    submit(form, "before@example.com")  # before the flow: history, not a trigger
    flow_id = flow_with(shop, {"type": "form", "form_id": form.id}, name="Form follow-up")
    ann = submit(form, "ann@example.com")
    submit(other, "bob@example.com")  # another form
    carl = submit(form, "carl@example.com")
    assert submit(form, "ann@example.com") == ann  # the same person: re-entry rules apply
    later = utcnow() + timedelta(minutes=2)
    collect_entries(shop.database, shop.store, now=later)
    collect_entries(shop.database, shop.store, now=later)  # nothing twice
    keys = entry_keys(shop, flow_id)
    assert [person for person, _key in keys] == [ann, carl]
    assert all(key.startswith("form-submission:") for _person, key in keys)
