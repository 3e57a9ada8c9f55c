"""CSV import of persons and accounts: mapping, checks by row, dry run, all or nothing,
upserts and the duplicate check, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from twofold.core.errors import ValidationFailed
from twofold.csv_import.columns import ImportKind
from twofold.csv_import.report import ImportReport
from twofold.csv_import.runner import ImportOptions, import_csv
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import Account, DuplicateCandidate, Person, TimelineEntry, User

PEOPLE = (
    "First Name,Last Name,E-mail,Phone,Title\n"
    "Ada,Lovelace,ADA@Acme.com,+31 20 123 4567,CTO\n"
    "Grace,Hopper,grace@navy.mil,,Admiral\n"
)


def run(
    database: Database, actor: User | None, kind: ImportKind, text: str | bytes, **options: Any
) -> ImportReport:
    data = text.encode() if isinstance(text, str) else text
    with database.transaction() as session:
        return import_csv(
            session,
            actor=actor,
            kind=kind,
            data=data,
            options=ImportOptions(**options),
        )


def people(database: Database) -> list[tuple[Any, ...]]:
    with database.transaction(write=False) as session:
        query = select(
            Person.first_name, Person.last_name, Person.emails, Person.phones, Person.title
        ).order_by(Person.id)
        return [tuple(row) for row in session.execute(query)]


def count(database: Database, model: Any) -> int:
    with database.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_persons_are_created_with_recognised_columns(database: Database, admin: User) -> None:
    report = run(database, admin, "persons", PEOPLE)
    assert report.imported
    assert (report.created, report.updated, report.problems) == (2, 0, [])
    assert report.mapping == {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "E-mail",
        "phone": "Phone",
        "title": "Title",
    }
    assert people(database) == [
        ("Ada", "Lovelace", ["ada@acme.com"], ["+31201234567"], "CTO"),
        ("Grace", "Hopper", ["grace@navy.mil"], [], "Admiral"),
    ]
    assert count(database, TimelineEntry) == 2


def test_dry_run_reports_every_problem_by_row_and_writes_nothing(
    database: Database, admin: User
) -> None:
    text = (
        "first_name,last_name,email,phone,lifecycle_stage\n"
        "Ada,Lovelace,ada@acme,,lead\n"  # row 2: bad email
        "Bob,,bob@x.com,12,customer\n"  # row 3: bad phone
        ",,,,\n"  # blank line: skipped
        ",,,+31201234567,lead\n"  # row 5: neither name nor email
        "Cy,Young,cy@x.com,,king\n"  # row 6: bad enum
        "Di,,di@x.com\n"  # row 7: too few cells
        "Ed,Ok,ed@x.com,,\n"
    )
    report = run(database, admin, "persons", text, dry_run=True)
    found = [(p.row, p.column) for p in report.problems]
    assert found == [(2, "email"), (3, "phone"), (5, None), (6, "lifecycle_stage"), (7, None)]
    assert report.problems[-1].message == "has 3 cells; the header has 5"
    assert (report.rows, report.valid, report.imported) == (6, 1, False)
    assert count(database, Person) == 0


def test_problems_refuse_the_whole_file_unless_valid_rows_are_asked_for(
    database: Database, admin: User
) -> None:
    text = "first_name,email\nAda,ada@acme.com\nBob,not-an-email\n"
    refused = run(database, admin, "persons", text)
    assert (refused.imported, refused.invalid_rows, count(database, Person)) == (False, 1, 0)
    partial = run(database, admin, "persons", text, valid_rows_only=True)
    assert (partial.imported, partial.created, partial.skipped) == (True, 1, 1)
    assert people(database) == [("Ada", "", ["ada@acme.com"], [], None)]


def test_upsert_by_email_and_external_id_adds_emails_and_keeps_other_fields(
    database: Database, admin: User
) -> None:
    run(database, admin, "persons", "id,first_name,email,title\nX1,Ada,ada@acme.com,CTO\n")
    text = (
        "id,first_name,last_name,email,other_emails\n"
        "X1,Ada,Lovelace,ada@acme.com,ada@home.org\n"  # same external id
        ",Grace,,grace@navy.mil,\n"
    )
    report = run(database, admin, "persons", text)
    assert (report.created, report.updated) == (1, 1)
    assert people(database) == [
        ("Ada", "Lovelace", ["ada@acme.com", "ada@home.org"], [], "CTO"),
        ("Grace", "", ["grace@navy.mil"], [], None),
    ]
    again = run(database, admin, "persons", "email,title\nGRACE@navy.mil,Admiral\n")
    assert (again.created, again.updated) == (0, 1)
    assert people(database)[1][4] == "Admiral"


def test_the_same_person_twice_in_a_file_is_a_problem(database: Database, admin: User) -> None:
    text = "first_name,email\nAda,ada@acme.com\nAda L,Ada@acme.com\n"
    report = run(database, admin, "persons", text)
    assert [(p.row, p.message) for p in report.problems] == [
        (3, "is the same person as row 2 (ada@acme.com)")
    ]


def test_possible_duplicates_are_reported_and_queued(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.get_one(User, admin.id)
        stored = create_person(
            session,
            actor=actor,
            data=PersonCreate(first_name="Ada", last_name="Lovelace", phones=["+31201234567"]),
        ).id
    text = (
        "first_name,last_name,email,phone\n"
        "Ada,Lovelace,ada@acme.com,+31201234567\n"  # same phone as the stored Ada
        "Grace,Hopper,grace@acme.com,\n"
        "Grace,Hoper,g.hopper@acme.com,\n"  # similar name at acme.com
    )
    dry = run(database, admin, "persons", text, dry_run=True)
    assert [d.as_dict() for d in dry.possible_duplicates] == [
        {
            "row": 2,
            "record_id": stored,
            "other_row": None,
            "score": 90,
            "reasons": ["same phone +31201234567"],
        },
        # "grace hoper" vs "grace hopper": 2 x 11 matches / 23 chars = 95.7 -> 96; 96 x 0.85 -> 82
        {
            "row": 4,
            "record_id": None,
            "other_row": 3,
            "score": 82,
            "reasons": ["similar name (96%) at acme.com"],
        },
    ]
    report = run(database, admin, "persons", text)
    assert report.queued_duplicates == 2
    with database.transaction(write=False) as session:
        pairs = session.execute(
            select(DuplicateCandidate.record_id, DuplicateCandidate.score).order_by(
                DuplicateCandidate.score.desc()
            )
        ).all()
    assert [tuple(pair) for pair in pairs] == [(stored, 90), (stored + 2, 82)]


@pytest.mark.parametrize(
    ("data", "encoding", "first_name"),
    [
        ("\ufefffirst_name,email\nJosé,jose@x.com\n".encode(), "utf-8", "José"),
        ("first_name,email\nJosé,jose@x.com\n".encode("latin-1"), "latin-1", "José"),
    ],
)
def test_encodings(
    database: Database, admin: User, data: bytes, encoding: str, first_name: str
) -> None:
    report = run(database, admin, "persons", data, encoding=encoding)
    assert report.created == 1
    assert people(database)[0][0] == first_name


def test_undecodable_bytes_are_refused_with_their_row(database: Database, admin: User) -> None:
    data = "first_name,email\nAda,ada@x.com\nJosé,jose@x.com\n".encode("latin-1")
    with pytest.raises(ValidationFailed) as refused:
        run(database, admin, "persons", data)
    assert refused.value.details[0].message == "row 3: byte 0xe9 is not valid utf-8"
    assert count(database, Person) == 0


@pytest.mark.parametrize(
    ("text", "mapping", "problem"),
    [
        (
            "title,phone\nCTO,+31201234567\n",
            {},
            "missing column: first_name or last_name or email is required",
        ),
        ("Naam,Mail\nAda,a@x.com\n", {"Naam": "nickname"}, "unknown field 'nickname' for persons"),
        ("Naam,Mail\nAda,a@x.com\n", {"Name": "first_name"}, "no column has this name"),
        ("email,E-mail\na@x.com,b@x.com\n", {}, "email is already filled by column 'email'"),
        ("", {}, "the file is empty (expected a header row)"),
        ("email,email\na@x.com,b@x.com\n", {}, "columns named twice: email"),
    ],
)
def test_files_that_cannot_be_mapped_are_refused(
    database: Database, admin: User, text: str, mapping: dict[str, str], problem: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        run(database, admin, "persons", text, mapping=mapping)
    assert problem in [detail.message for detail in refused.value.details]


def test_explicit_mapping_names_columns_and_ignores_others(database: Database, admin: User) -> None:
    text = "Naam,Mail,Notes\nAda,ada@x.com,likes tea\n"
    report = run(database, admin, "persons", text, mapping={"Naam": "first_name", "Mail": "email"})
    assert (report.created, report.ignored_columns) == (1, ["Notes"])


def test_accounts_upsert_by_domain_and_check_numbers(database: Database, admin: User) -> None:
    run(database, admin, "accounts", "name,website\nAcme,https://www.acme.com/about\n")
    text = (
        "Company,Domain,Employees,Revenue,Revenue Currency,Tier,Country\n"
        "Acme Inc,acme.com;acme.io,1200,5000000.50,USD,enterprise,nl\n"
        "Globex,globex.com,many,,,,\n"  # row 3: bad number
        "Initech,initech.com,,12.345,EUR,,\n"  # row 4: too many decimals for EUR
        "Umbrella,umbrella.com,,100,,,\n"  # row 5: revenue without currency
        "Hooli,hooli.com,,,,gold,XX\n"  # row 6: bad tier, bad country
    )
    report = run(database, admin, "accounts", text, valid_rows_only=True)
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "employees"),
        (4, "annual_revenue"),
        (5, "annual_revenue_currency"),
        (6, "country"),  # the cells of a row are checked in the order of the fields
        (6, "tier"),
    ]
    assert (report.created, report.updated) == (0, 1)
    with database.transaction(write=False) as session:
        acme = session.scalars(select(Account)).one()
        assert (acme.name, acme.domains, acme.employees, str(acme.annual_revenue)) == (
            "Acme Inc",
            ["acme.com", "acme.io"],
            1200,
            "5000000.5000",
        )
        assert (acme.tier, acme.country, acme.version) == ("enterprise", "NL", 2)


def test_similar_account_names_are_possible_duplicates(database: Database, admin: User) -> None:
    run(database, admin, "accounts", "name\nAcme Software\n")
    report = run(database, admin, "accounts", "name\nACME Softwares Ltd\nAcme Software Inc.\n")
    # keys "acme software" (stored, id 1), "acme softwares" (row 2), "acme software" (row 3):
    # 2 x 13 matches / 27 chars = 96.3 -> 96; 96 x 0.8 = 76.8 -> 77
    assert [
        (d.row, d.record_id, d.other_row, d.score, d.reasons) for d in report.possible_duplicates
    ] == [
        (3, 1, None, 90, ["same name acme software"]),
        (3, None, 2, 77, ["similar name (96%)"]),
        (2, 1, None, 77, ["similar name (96%)"]),
    ]
