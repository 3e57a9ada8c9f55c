"""The send path with a controllable clock: frequency caps and quiet hours (delay or drop),
SMS through a generic HTTP provider played by a real local server (5xx and timeouts retried
with backoff, 4xx failed), consent applied, and a send interrupted mid-way sent again."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import orjson

from messaging_support import http_server
from twofold.core.messaging_settings import (
    HttpProviderSettings,
    QuietHours,
    SendingPolicy,
    parse_caps,
)
from twofold.messaging import outbox
from twofold.messaging.channels import Channel, ConsentStatus, OnLimit, Purpose
from twofold.messaging.compose import LinkSettings
from twofold.messaging.consent import set_consent
from twofold.messaging.sender import OutboxSender
from twofold.messaging.templates import TemplateSources, create_template
from twofold.messaging.transports import HttpProviderTransport
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import OutboxMessage, Person, User

BODY = '{"to": "{{ to }}", "text": "{{ body }}", "ref": "{{ idempotency_key }}"}'
LINKS = LinkSettings(base="http://127.0.0.1:9", secret_key="k", email_from="a@example.com")
# 2027-03-01 is a Monday; 10:00 in Amsterdam is 09:00 UTC.
MONDAY_9_UTC = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _world(database: Database, admin: User) -> tuple[int, int]:
    with database.transaction() as session:
        actor = session.merge(admin)
        person = create_person(
            session,
            actor=actor,
            data=PersonCreate(
                first_name="Sam", phones=["+31612345678"], traits={"timezone": "Europe/Amsterdam"}
            ),
        )
        set_consent(
            session,
            actor=actor,
            person=person,
            channel=Channel.SMS,
            status=ConsentStatus.SUBSCRIBED,
            source="checkout",
        )
        template = create_template(
            session,
            actor=actor,
            name="Sale",
            channel=Channel.SMS,
            sources=TemplateSources(text="Hi {{ person.first_name }}: sale!"),
        )
        return person.id, template.id


def _queue(database: Database, person_id: int, template_id: int, key: str, **extra: object) -> int:
    with database.transaction() as session:
        message, _ = outbox.enqueue(
            session,
            actor=None,
            person_id=person_id,
            channel=Channel.SMS,
            purpose=Purpose.MARKETING,
            template_id=template_id,
            idempotency_key=key,
            not_before=MONDAY_9_UTC,
            **extra,
        )  # type: ignore[arg-type]
        return message.id


def _state(database: Database, message_id: int) -> tuple[str, str, datetime]:
    with database.transaction(write=False) as session:
        message = session.get_one(OutboxMessage, message_id)
        return message.status, message.reason, message.not_before


def test_caps_and_quiet_hours_delay_or_drop(database: Database, admin: User) -> None:
    person_id, template_id = _world(database, admin)
    policy = SendingPolicy(
        caps=parse_caps("sms=1/16h,2/7d"),
        quiet_hours={"sms": QuietHours(start=time(21), end=time(9))},
        default_timezone="UTC",
    )
    clock = Clock(MONDAY_9_UTC)
    with http_server() as provider:
        transport = HttpProviderTransport(
            HttpProviderSettings(
                url=f"{provider.url}/sms",
                auth_header="Bearer sms-key",
                body_template=BODY,
            )
        )
        sender = OutboxSender(
            database=database,
            links=LINKS,
            policy=policy,
            transports={Channel.SMS: transport},
            clock=clock,
        )
        first = _queue(database, person_id, template_id, "m1")
        second = _queue(database, person_id, template_id, "m2")
        dropped = _queue(database, person_id, template_id, "m3", on_limit=OnLimit.DROP)
        assert sender.send_due() == 1  # handed over; the others are settled
        [request] = provider.wait_for(1)
        assert request.headers["Authorization"] == "Bearer sms-key"
        assert request.headers["Idempotency-Key"] == "m1"
        assert orjson.loads(request.body) == {
            "to": "+31612345678",
            "text": "Hi Sam: sale!",
            "ref": "m1",
        }
        assert _state(database, first)[0] == "sent"
        status, reason, not_before = _state(database, second)
        # 16 hours after 09:00 UTC is 02:00 next day in Amsterdam (03:00 local): quiet until
        # 09:00 local = 08:00 UTC.
        assert (status, reason) == (
            "queued",
            "cap 1 per 16h, quiet hours 21:00-09:00 Europe/Amsterdam",
        )
        assert not_before == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)
        assert _state(database, dropped)[:2] == (
            "dropped",
            "cap 1 per 16h, quiet hours 21:00-09:00 Europe/Amsterdam",
        )

        clock.now = not_before
        assert sender.send_due() == 1
        provider.wait_for(2)
        assert _state(database, second)[0] == "sent"
        third = _queue(database, person_id, template_id, "m4")
        clock.now += timedelta(days=1)
        sender.send_due()
        status, reason, not_before = _state(database, third)
        assert (status, reason) == ("queued", "cap 2 per 7d")
        assert not_before == MONDAY_9_UTC + timedelta(days=7)
        # Transactional messages ignore caps and quiet hours.
        with database.transaction() as session:
            receipt, _ = outbox.enqueue(
                session,
                actor=None,
                person_id=person_id,
                channel=Channel.SMS,
                purpose=Purpose.TRANSACTIONAL,
                template_id=template_id,
            )
            receipt_id = receipt.id
        clock.now = datetime(2027, 3, 2, 23, 0, tzinfo=UTC)
        sender.send_due()
        assert _state(database, receipt_id)[0] == "sent"


def test_provider_errors_are_retried_with_backoff(database: Database, admin: User) -> None:
    person_id, template_id = _world(database, admin)
    clock = Clock(MONDAY_9_UTC)
    with http_server() as provider:
        provider.answers = [(503, 0.0, b"busy"), (200, 1.5, b"{}"), (200, 0.0, b'{"id": "sms-77"}')]
        transport = HttpProviderTransport(
            HttpProviderSettings(url=provider.url, timeout_seconds=0.5)
        )
        sender = OutboxSender(
            database=database,
            links=LINKS,
            policy=SendingPolicy(),
            transports={Channel.SMS: transport},
            clock=clock,
            backoff=outbox.Backoff(base=timedelta(seconds=30)),
        )
        message_id = _queue(database, person_id, template_id, "retry-me")
        sender.send_due()
        status, reason, not_before = _state(database, message_id)
        assert (status, not_before) == ("queued", MONDAY_9_UTC + timedelta(seconds=30))
        assert reason.startswith("provider answered 503")
        clock.now = not_before
        sender.send_due()
        status, reason, not_before = _state(database, message_id)
        assert status == "queued"
        assert "Timeout" in reason
        assert not_before == clock.now + timedelta(seconds=60)
        clock.now = not_before
        sender.send_due()
        provider.wait_for(3)
    with database.transaction(write=False) as session:
        message = session.get_one(OutboxMessage, message_id)
        assert (message.status, message.attempts, message.provider_id) == ("sent", 3, "sms-77")


def test_client_errors_fail_and_no_consent_blocks(database: Database, admin: User) -> None:
    person_id, template_id = _world(database, admin)
    clock = Clock(MONDAY_9_UTC)
    with http_server() as provider:
        provider.answers = [(400, 0.0, b"bad number")]
        transport = HttpProviderTransport(HttpProviderSettings(url=provider.url))
        sender = OutboxSender(
            database=database,
            links=LINKS,
            policy=SendingPolicy(),
            transports={Channel.SMS: transport},
            clock=clock,
        )
        failed = _queue(database, person_id, template_id, "bad")
        sender.send_due()
        assert _state(database, failed)[:2] == ("failed", "provider answered 400: bad number")
        with database.transaction() as session:
            person = session.get_one(Person, person_id)
            set_consent(
                session,
                actor=None,
                person=person,
                channel=Channel.SMS,
                status=ConsentStatus.UNSUBSCRIBED,
                source="STOP reply",
            )
        blocked = _queue(database, person_id, template_id, "after-stop")
        sender.send_due()
        assert _state(database, blocked)[:2] == ("blocked", "suppressed:unsubscribe")
        assert len(provider.received) == 1


def test_an_interrupted_send_is_sent_again(database: Database, admin: User) -> None:
    person_id, template_id = _world(database, admin)
    clock = Clock(MONDAY_9_UTC)
    message_id = _queue(database, person_id, template_id, "crash")
    with database.transaction() as session:  # a process claimed it, then died mid-send
        outbox.claim(session.get_one(OutboxMessage, message_id), now=clock.now)
    with http_server() as provider:
        transport = HttpProviderTransport(HttpProviderSettings(url=provider.url))
        sender = OutboxSender(
            database=database,
            links=LINKS,
            policy=SendingPolicy(),
            transports={Channel.SMS: transport},
            clock=clock,
        )
        assert sender.recover() == 0  # the lease still holds
        clock.now += outbox.LEASE + timedelta(seconds=1)
        assert sender.recover() == 1
        sender.send_due()
        [request] = provider.wait_for(1)
    assert request.headers["Idempotency-Key"] == "crash"
    assert _state(database, message_id)[0] == "sent"
