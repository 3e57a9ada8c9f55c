"""CSV import of memberships and deals (through their actions): references by email, domain
and external id, problems by row, dry runs that write nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from test_import_persons_accounts import count, run

from twofold.store.database import Database
from twofold.store.models import Deal, Membership, Pipeline, Stage, User

SETUP_PEOPLE = "id,first_name,email\nP1,Ada,ada@acme.com\nP2,Grace,grace@navy.mil\n"
SETUP_ACCOUNTS = "id,name,domain\nA1,Acme,acme.com\nA2,Navy,navy.mil\n"


def setup_records(database: Database, admin: User) -> None:
    assert run(database, admin, "persons", SETUP_PEOPLE).created == 2
    assert run(database, admin, "accounts", SETUP_ACCOUNTS).created == 2


def memberships(database: Database) -> list[tuple[Any, ...]]:
    with database.transaction(write=False) as session:
        query = select(
            Membership.person_id,
            Membership.account_id,
            Membership.title,
            Membership.buying_roles,
            Membership.started_on,
        ).order_by(Membership.id)
        return [tuple(row) for row in session.execute(query)]


def test_memberships_by_email_domain_and_external_id(database: Database, admin: User) -> None:
    setup_records(database, admin)
    text = (
        "email,account_external_id,title,buying_roles,started_on\n"
        "ada@acme.com,A1,CTO,champion;decision_maker,2024-02-01\n"
        "grace@navy.mil,A2,Admiral,,\n"
        "nobody@acme.com,A1,,,\n"  # row 4: unknown person
        "ada@acme.com,A9,,,\n"  # row 5: unknown account
        "ada@acme.com,A2,,boss,2024-13-01\n"  # row 6: bad role and date
    )
    dry = run(database, admin, "memberships", text, dry_run=True)
    assert [(p.row, p.column, p.message) for p in dry.problems] == [
        (4, None, "no person with the email 'nobody@acme.com'"),
        (5, None, "no account with external id 'A9'"),
        (6, "buying_roles", dry.problems[2].message),
        (6, "started_on", "'2024-13-01' is not a date (write YYYY-MM-DD)"),
    ]
    assert dry.problems[2].message.startswith("'boss' is not one of decision_maker, ")
    assert count(database, Membership) == 0
    report = run(database, admin, "memberships", text, valid_rows_only=True)
    assert (report.created, report.updated, report.imported) == (2, 0, True)
    assert memberships(database) == [
        (1, 1, "CTO", ["champion", "decision_maker"], date(2024, 2, 1)),
        (2, 2, "Admiral", [], None),
    ]
    again = run(database, admin, "memberships", "email,domain,title\nada@acme.com,acme.com,CEO\n")
    assert (again.created, again.updated) == (0, 1)
    assert memberships(database)[0][2] == "CEO"


def stage_pipeline(database: Database, stage: Stage) -> str:
    with database.transaction(write=False) as session:
        return session.get_one(Pipeline, stage.pipeline_id).name


def test_deals_with_stage_names_and_upsert_by_external_id(database: Database, admin: User) -> None:
    setup_records(database, admin)
    with database.transaction(write=False) as session:
        stage = session.scalars(select(Stage).order_by(Stage.position)).all()[1]
    text = (
        "id,name,account_domain,stage,amount,currency,close_date\n"
        f"D1,Acme seats,acme.com,{stage.name.upper()},48000.00,EUR,2027-03-31\n"
        "D2,Navy boats,navy.mil,Nowhere,10,USD,2027-01-01\n"  # row 3: unknown stage
        "D3,Ghost,ghost.com,,,,\n"  # row 4: unknown account
        "D4,Cheap,acme.com,,1.005,EUR,\n"  # row 5: more decimals than EUR has
        "D5,Late,acme.com,,,,31/03/2027\n"  # row 6: not an ISO date
    )
    refused = run(database, admin, "deals", text)
    assert [(p.row, p.column, p.message) for p in refused.problems] == [
        (3, "stage", f"no stage named 'Nowhere' in {stage_pipeline(database, stage)}"),
        (4, None, "no account with the domain 'ghost.com'"),
        (5, "amount", "EUR amounts have at most 2 decimals"),
        (6, "expected_close_date", "'31/03/2027' is not a date (write YYYY-MM-DD)"),
    ]
    assert (refused.imported, count(database, Deal)) == (False, 0)
    report = run(database, admin, "deals", text, valid_rows_only=True)
    assert (report.created, report.imported) == (1, True)
    update = run(database, admin, "deals", "id,name,amount,currency\nD1,Acme 600 seats,50000,EUR\n")
    assert (update.created, update.updated) == (0, 1)
    with database.transaction(write=False) as session:
        deal = session.scalars(select(Deal)).one()
        assert (deal.external_id, deal.name, deal.amount, deal.currency) == (
            "D1",
            "Acme 600 seats",
            Decimal("50000.0000"),
            "EUR",
        )
        assert (deal.stage_id, deal.expected_close_date) == (stage.id, date(2027, 3, 31))
