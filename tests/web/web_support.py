"""Web UI test support: a small CRM built through the domain functions, served by a real
uvicorn server (``live_server`` from the harness), and browser-like HTTP clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from support import PASSWORD
from twofold.accounts.actions import create_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.schemas import AccountCreate
from twofold.auth.users import create_user
from twofold.core.enums import BuyingRole, Sentiment
from twofold.core.time import utcnow
from twofold.deals.actions import create_deal, move_deal_to_stage
from twofold.deals.committee import add_stakeholder
from twofold.deals.schemas import DealCreate, StakeholderCreate
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.database import Database
from twofold.store.models import Deal, User

XSS_NAME = "<script>alert('owned')</script> Holdings"


@dataclass
class SampleCrm:
    """Ids of the records the tests look at."""

    admin_email: str
    rep_email: str
    viewer_email: str
    group_id: int
    benelux_id: int
    germany_id: int
    xss_account_id: int
    rep_account_id: int
    ceo_id: int
    cfo_id: int
    cto_id: int
    leaver_id: int
    bare_deal_id: int
    committee_deal_id: int
    rotting_deal_id: int
    rep_deal_id: int
    pipeline_id: int
    stages: dict[str, int]


@dataclass
class Site:
    """The running server and what is in its database."""

    url: str
    database: Database
    crm: SampleCrm

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.database.dialect

    def client(self) -> httpx.Client:
        """A cookie-keeping client that does not follow redirects (the tests check them)."""
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    @contextmanager
    def logged_in(self, email: str | None = None) -> Iterator[httpx.Client]:
        """A client with a logged-in session (the admin unless ``email`` says otherwise)."""
        with self.client() as client:
            response = log_in(client, email or self.crm.admin_email, PASSWORD)
            assert response.status_code == 303, response.text
            yield client


def log_in(client: httpx.Client, email: str, password: str, next_path: str = "/") -> httpx.Response:
    """Fill in and send the login form the way a browser does."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "next": next_path,
            "csrf_token": hidden_csrf(page.text),
        },
    )


def hidden_csrf(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def csrf_token(client: httpx.Client) -> str:
    """The logged-in session's CSRF token, read from a page like a browser would."""
    return hidden_csrf(client.get("/accounts/new").text)


def build_sample_crm(session: Session, admin: User) -> SampleCrm:
    """A group with two subsidiaries, people with an org chart, deals in several stages."""
    rep = create_user(
        session, email="rep@example.com", name="Rex Rep", password=PASSWORD, role="rep"
    )
    viewer = create_user(
        session, email="viewer@example.com", name="Val Viewer", password=PASSWORD, role="viewer"
    )
    pipeline_id = default_pipeline(session).id
    stages = {s.name: s.id for s in pipeline_stages(session, pipeline_id)}

    def account(name: str, **fields: object) -> int:
        data = AccountCreate.model_validate({"name": name, **fields})
        return create_account(session, actor=admin, data=data).id

    group = account(
        "Globex Group",
        domains=["globex.com"],
        industry="Manufacturing",
        country="NL",
        tier="strategic",
        lifecycle="customer",
    )
    benelux = account("Globex Benelux", parent_id=group, country="BE", industry="Manufacturing")
    germany = account("Globex Deutschland", parent_id=group, country="DE")
    xss = account(XSS_NAME, country="US")
    rep_account = create_account(session, actor=rep, data=AccountCreate(name="Initech")).id

    def person(first: str, last: str, email: str) -> int:
        data = PersonCreate(first_name=first, last_name=last, emails=[email])
        return create_person(session, actor=admin, data=data).id

    ceo = person("Hank", "Scorpio", "hank@globex.com")
    cfo = person("Carla", "Jonas", "carla@globex.com")
    cto = person("Tim", "Techno", "tim@globex.com")
    leaver = person("Rita", "Gone", "rita@globex.com")
    for person_id, title, department, manager, roles, ended in (
        (ceo, "Chief Executive", "Executive", None, [BuyingRole.DECISION_MAKER], None),
        (cfo, "Chief Financial Officer", "Finance", ceo, [BuyingRole.ECONOMIC_BUYER], None),
        (cto, "Head of IT", "IT", ceo, [BuyingRole.TECHNICAL_EVALUATOR], None),
        (leaver, "Buyer", "Procurement", cfo, [BuyingRole.PROCUREMENT], date(2024, 6, 30)),
    ):
        add_membership(
            session,
            actor=admin,
            data=MembershipCreate(
                person_id=person_id,
                account_id=benelux,
                title=title,
                department=department,
                reports_to_id=manager,
                buying_roles=roles,
                ended_on=ended,
            ),
        )

    def deal(name: str, account_id: int, actor: User = admin, **fields: object) -> Deal:
        data = DealCreate.model_validate({"name": name, "account_id": account_id, **fields})
        return create_deal(session, actor=actor, data=data)

    bare = deal("Globex Benelux rollout", benelux)
    committee = deal(
        "Globex Benelux expansion",
        benelux,
        amount="48000.00",
        currency="EUR",
        expected_close_date=date.today() + timedelta(days=60),
        stage_id=stages["Discovery"],
    )
    for person_id, role, sentiment in (
        (cfo, BuyingRole.ECONOMIC_BUYER, Sentiment.POSITIVE),
        (cto, BuyingRole.TECHNICAL_EVALUATOR, Sentiment.NEGATIVE),
    ):
        add_stakeholder(
            session,
            actor=admin,
            deal=committee,
            data=StakeholderCreate(person_id=person_id, buying_role=role, sentiment=sentiment),
        )
    rotting = deal("Globex DE pilot", germany, amount="12000", currency="USD")
    won = deal("Globex Group licence", group, amount="90000", currency="EUR")
    move_deal_to_stage(session, actor=admin, deal=won, stage_id=stages["Closed won"])
    rep_deal = deal("Initech renewal", rep_account, actor=rep, amount="7000", currency="USD")
    # An idle deal: it entered its stage (rotting after 14 days) a month ago.
    session.execute(
        update(Deal)
        .where(Deal.id == rotting.id)
        .values(stage_entered_at=utcnow() - timedelta(days=30))
    )
    return SampleCrm(
        admin_email=admin.email,
        rep_email=rep.email,
        viewer_email=viewer.email,
        group_id=group,
        benelux_id=benelux,
        germany_id=germany,
        xss_account_id=xss,
        rep_account_id=rep_account,
        ceo_id=ceo,
        cfo_id=cfo,
        cto_id=cto,
        leaver_id=leaver,
        bare_deal_id=bare.id,
        committee_deal_id=committee.id,
        rotting_deal_id=rotting.id,
        rep_deal_id=rep_deal.id,
        pipeline_id=pipeline_id,
        stages=stages,
    )


@pytest.fixture
def site(live_server: str, database: Database, admin: User) -> Site:
    """The live server with the sample CRM in its database."""
    with database.transaction() as session:
        crm = build_sample_crm(session, session.merge(admin))
    return Site(url=live_server, database=database, crm=crm)
