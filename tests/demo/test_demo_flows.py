"""The demo's flows (issue 7): added once, valid, and running on the demo's own records — a
deal won after the build starts the welcome flow for its contact."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from twofold.auth.users import create_user
from twofold.core.time import utcnow
from twofold.deals.actions import move_deal_to_stage
from twofold.demo.flows import add_demo_flows
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.flows.definition import parse_flow
from twofold.flows.engine import run_due
from twofold.flows.recipients import deal_people
from twofold.flows.triggers import collect_entries
from twofold.store.database import Database
from twofold.store.models import Deal, Flow, FlowRun, Stage, StaticList, StaticListMember


def test_demo_flows_welcome_the_contact_of_a_newly_won_deal(database: Database) -> None:
    build_demo_company(database, size=DemoSize.parse("small"), seed=7, now=utcnow())
    with database.transaction() as session:
        admin = create_user(
            session, email="demo@example.com", name="Demo", password="x" * 12, role="admin"
        )
    add_demo_flows(database, admin_email="demo@example.com")
    add_demo_flows(database, admin_email="demo@example.com")  # once only
    with database.transaction() as session:
        flows = list(session.scalars(select(Flow).order_by(Flow.name)))
        assert [(f.name, f.status) for f in flows] == [
            ("Abandoned cart", "draft"),  # from the starters, with the demo's email templates
            ("Post-purchase cross-sell", "draft"),
            ("Renewal reminder", "active"),
            ("Welcome new customers", "active"),
        ]
        for flow in flows:
            parse_flow(flow.definition)
        open_deals = session.scalars(
            select(Deal).join(Stage, Stage.id == Deal.stage_id).where(Stage.kind == "open")
        ).all()
        people = deal_people(session, [deal.id for deal in open_deals])
        deal = next(deal for deal in open_deals if deal.id in people)
        won = session.scalars(
            select(Stage).where(Stage.pipeline_id == deal.pipeline_id, Stage.kind == "won")
        ).first()
        assert won is not None
        deal.lost_reason = None
        move_deal_to_stage(session, actor=session.merge(admin), deal=deal, stage_id=won.id)
        contact = people[deal.id]
    later = utcnow() + timedelta(minutes=2)
    assert collect_entries(database, None, now=later) >= 1
    run_due(database, None, now=later)
    with database.transaction(write=False) as session:
        runs = session.scalars(select(FlowRun).where(FlowRun.person_id == contact)).all()
        assert [run.status for run in runs] == ["completed"]
        listed = session.scalars(
            select(StaticListMember.person_id)
            .join(StaticList, StaticList.id == StaticListMember.list_id)
            .where(StaticList.name == "New customers")
        ).all()
        assert contact in listed
