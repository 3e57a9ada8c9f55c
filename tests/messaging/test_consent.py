"""Consent per channel, its history, suppressions and may_send, on both databases."""

from __future__ import annotations

import pytest

from support import ApiClient, count_rows
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.messaging.channels import Channel, ConsentStatus, Purpose, SuppressionReason
from twofold.messaging.consent import consent_history, consent_of, may_send, set_consent
from twofold.messaging.suppressions import suppress
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import Person, User


def _person(database: Database, admin: User, email: str = "ann@example.com") -> int:
    with database.transaction() as session:
        person = create_person(
            session,
            actor=session.merge(admin),
            data=PersonCreate(first_name="Ann", emails=[email], phones=["+31612345678"]),
        )
        return person.id


def test_marketing_needs_subscribed_consent(database: Database, admin: User) -> None:
    person_id = _person(database, admin)
    with database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert may_send(session, person, Channel.EMAIL, Purpose.MARKETING).reason == (
            "no_consent:never_subscribed"
        )
        assert may_send(session, person, Channel.EMAIL, Purpose.TRANSACTIONAL).allowed
        set_consent(
            session,
            actor=session.merge(admin),
            person=person,
            channel=Channel.EMAIL,
            status=ConsentStatus.SUBSCRIBED,
            source="signup form",
        )
        decision = may_send(session, person, Channel.EMAIL, Purpose.MARKETING)
        assert (decision.allowed, decision.address) == (True, "ann@example.com")
        assert not may_send(session, person, Channel.SMS, Purpose.MARKETING).allowed


def test_unsubscribe_is_logged_and_suppresses_the_address(database: Database, admin: User) -> None:
    person_id = _person(database, admin)
    with database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        actor = session.merge(admin)
        for status in (
            ConsentStatus.SUBSCRIBED,
            ConsentStatus.UNSUBSCRIBED,
            ConsentStatus.UNSUBSCRIBED,
        ):
            set_consent(
                session,
                actor=actor,
                person=person,
                channel=Channel.EMAIL,
                status=status,
                source="preference centre",
            )
        history = consent_history(session, person_id)
        assert [change.status for change in history] == ["unsubscribed", "subscribed"]
        assert consent_of(session, person_id)[Channel.EMAIL].status is ConsentStatus.UNSUBSCRIBED
        assert may_send(session, person, Channel.EMAIL, Purpose.MARKETING).reason == (
            "suppressed:unsubscribe"
        )
        # Transactional mail still goes to an unsubscribed address.
        assert may_send(session, person, Channel.EMAIL, Purpose.TRANSACTIONAL).allowed


def test_hard_bounce_blocks_even_transactional(database: Database, admin: User) -> None:
    person_id = _person(database, admin)
    with database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        suppress(
            session,
            channel=Channel.EMAIL,
            address="ANN@example.com ",
            reason=SuppressionReason.COMPLAINT,
        )
        assert may_send(session, person, Channel.EMAIL, Purpose.TRANSACTIONAL).allowed
        suppress(
            session,
            channel=Channel.EMAIL,
            address="ann@example.com",
            reason=SuppressionReason.HARD_BOUNCE,
        )
        # A weaker reason never replaces a stronger one.
        entry = suppress(
            session,
            channel=Channel.EMAIL,
            address="ann@example.com",
            reason=SuppressionReason.MANUAL,
        )
        assert entry.reason == "hard_bounce"
        assert may_send(session, person, Channel.EMAIL, Purpose.TRANSACTIONAL).reason == (
            "suppressed:hard_bounce"
        )


def test_erased_identifiers_are_never_messaged(database: Database, admin: User) -> None:
    person_id = _person(database, admin)
    with database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        decision = may_send(
            session,
            person,
            Channel.SMS,
            Purpose.TRANSACTIONAL,
            erased=lambda channel, address: (channel, address) == (Channel.SMS, "+31612345678"),
        )
        assert decision.reason == "erased"


def test_viewers_cannot_change_consent_and_pending_is_not_settable(
    database: Database, admin: User
) -> None:
    person_id = _person(database, admin)
    with database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        with pytest.raises(ValidationFailed):
            set_consent(
                session,
                actor=session.merge(admin),
                person=person,
                channel=Channel.EMAIL,
                status=ConsentStatus.PENDING,
                source="x",
            )
        with pytest.raises(ValidationFailed):
            set_consent(
                session,
                actor=session.merge(admin),
                person=person,
                channel=Channel.EMAIL,
                status=ConsentStatus.SUBSCRIBED,
                source=" ",
            )
        viewer = User(email="v@example.com", name="V", role="viewer", password_hash="x")
        with pytest.raises(PermissionDenied):
            set_consent(
                session,
                actor=viewer,
                person=person,
                channel=Channel.EMAIL,
                status=ConsentStatus.SUBSCRIBED,
                source="x",
            )
    assert count_rows(database, "consent_changes") == 0


def test_consent_api(api: ApiClient, database: Database, admin: User) -> None:
    person_id = _person(database, admin)
    empty = api.get(f"/persons/{person_id}/consent")
    assert empty.status_code == 200
    assert empty.json()["email"] == {
        "status": "never_subscribed",
        "source": None,
        "changed_at": None,
    }
    response = api.put(
        f"/persons/{person_id}/consent",
        json={
            "sms": {"status": "subscribed", "source": "checkout"},
            "push": {"status": "unsubscribed", "source": "app settings"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["sms"]["status"], body["sms"]["source"]) == ("subscribed", "checkout")
    assert body["email"]["status"] == "never_subscribed"
    assert [(item["channel"], item["status"]) for item in body["history"]] == [
        ("push", "unsubscribed"),
        ("sms", "subscribed"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"email": {"status": "maybe", "source": "x"}},
        {"email": {"status": "pending", "source": "x"}},
        {"email": {"status": "subscribed"}},
        {"email": {"status": "subscribed", "source": ""}},
        {"fax": {"status": "subscribed", "source": "x"}},
        {"sms": {"status": "subscribed", "source": "x", "double_opt_in": True}},
        {"email": {"status": "unsubscribed", "source": "x", "double_opt_in": True}},
    ],
)
def test_bad_consent_is_refused_and_nothing_stored(
    api: ApiClient, database: Database, admin: User, body: dict[str, object]
) -> None:
    person_id = _person(database, admin)
    response = api.put(f"/persons/{person_id}/consent", json=body)
    assert response.status_code == 422, response.text
    assert count_rows(database, "consent_changes") == 0
    assert count_rows(database, "outbox_messages") == 0


def test_double_opt_in_queues_a_confirmation(
    api: ApiClient, database: Database, admin: User
) -> None:
    person_id = _person(database, admin)
    response = api.put(
        f"/persons/{person_id}/consent",
        json={
            "email": {"status": "subscribed", "source": "newsletter form", "double_opt_in": True}
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["email"]["status"] == "pending"
    with database.engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT channel, purpose, status, template_id FROM outbox_messages"
        ).one()
    assert tuple(row) == ("email", "transactional", "queued", None)


def test_suppressions_api(api: ApiClient, database: Database) -> None:
    created = api.post("/suppressions", json={"address": "Bob@Example.com", "reason": "complaint"})
    assert created.status_code == 201, created.text
    assert created.json()["address"] == "bob@example.com"
    again = api.post("/suppressions", json={"address": "bob@example.com"})
    assert again.json()["id"] == created.json()["id"]
    assert again.json()["reason"] == "complaint"
    phone = api.post("/suppressions", json={"channel": "sms", "address": "+31 6 12345678"})
    assert phone.json()["address"] == "+31612345678"
    listed = api.get("/suppressions", params={"channel": "email"}).json()
    assert [item["address"] for item in listed["items"]] == ["bob@example.com"]
    for bad in (
        {"address": "not an email"},
        {"channel": "sms", "address": "12"},
        {"address": "a@b.co", "reason": "dislike"},
        {"channel": "fax", "address": "1"},
    ):
        assert api.post("/suppressions", json=bad).status_code == 422
    assert count_rows(database, "suppressions") == 2
    rep, _ = api.as_new_user("rep")
    assert rep.get("/suppressions").status_code == 403
    assert rep.post("/suppressions", json={"address": "c@example.com"}).status_code == 403
    assert api.delete(f"/suppressions/{created.json()['id']}").status_code == 204
    assert api.delete(f"/suppressions/{created.json()['id']}").status_code == 404
    assert count_rows(database, "suppressions") == 1
