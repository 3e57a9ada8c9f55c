"""Drain the outbox: for each due message, in one place, decide (consent and suppression,
then caps and quiet hours), render, hand over to the channel's transport, and record how it
went. See the outbox module for the delivery guarantee."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from twofold.core.messaging_settings import SendingPolicy
from twofold.core.time import utcnow
from twofold.messaging import outbox
from twofold.messaging.channels import Channel, OnLimit, Purpose, SuppressionReason
from twofold.messaging.compose import LinkSettings, build_email, context_for, opt_in_content
from twofold.messaging.consent import may_send
from twofold.messaging.recommendations import RecommendationProvider, no_recommendations
from twofold.messaging.smart_sending import pace
from twofold.messaging.suppressions import ErasedCheck, suppress
from twofold.messaging.templates import Rendered, TemplateSources, render, render_sources
from twofold.messaging.transports import DeliveryFailed, Outgoing, Transport
from twofold.store.database import Database
from twofold.store.models import MessageTemplate, OutboxMessage, Person

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class OutboxSender:
    """Everything the send path needs; ``transports`` maps a channel to how it is sent (a
    channel without one keeps its messages queued until one is configured)."""

    database: Database
    links: LinkSettings
    policy: SendingPolicy
    transports: dict[Channel, Transport]
    clock: Clock = utcnow
    erased: ErasedCheck | None = None
    recommendations: RecommendationProvider = no_recommendations
    backoff: outbox.Backoff = field(default_factory=outbox.Backoff)
    batch: int = 20

    def recover(self) -> int:
        """Requeue messages whose sending was interrupted (run at start and every pass)."""
        now = self.clock()
        with self.database.transaction(write=False) as session:  # idle passes never write
            if not outbox.has_expired_leases(session, now=now):
                return 0
        with self.database.transaction() as session:
            return outbox.requeue_expired(session, now=now)

    def send_due(self) -> int:
        """Handle every message that is due now, a batch at a time; how many were handled."""
        handled = 0
        while True:
            ready = self._prepare_batch()
            for message_id, outgoing in ready:
                self._hand_over(message_id, outgoing)
            handled += len(ready)
            if len(ready) < self.batch:
                return handled

    def _prepare_batch(self) -> list[tuple[int, Outgoing | None]]:
        """Claim due messages; those that may not go now are settled here, in the same
        transaction, so that a message is never both claimed and undecided."""
        now = self.clock()
        ready: list[tuple[int, Outgoing | None]] = []
        with self.database.transaction(write=False) as session:  # idle passes never write
            if not outbox.has_due(session, now=now):
                return ready
        with self.database.transaction() as session:
            channels = [channel.value for channel in self.transports]
            for message in outbox.due_messages(session, now=now, limit=self.batch):
                if message.channel not in channels:
                    message.not_before = now + self.backoff.ceiling
                    message.reason = f"no {message.channel} transport is configured"
                    continue
                outgoing = self._decide(session, message, now)
                if message.status == "sending":
                    ready.append((message.id, outgoing))
        return ready

    def _decide(self, session: Session, message: OutboxMessage, now: datetime) -> Outgoing | None:
        person = session.get(Person, message.person_id)
        if person is None:  # deleted since; the row goes with the person, this is a race
            outbox.mark_held(message, status="blocked", reason="no_person", until=None)
            return None
        channel, purpose = Channel(message.channel), Purpose(message.purpose)
        decision = may_send(session, person, channel, purpose, erased=self.erased)
        if not decision.allowed or decision.address is None:
            outbox.mark_held(message, status="blocked", reason=decision.reason, until=None)
            return None
        paced = pace(
            session,
            person=person,
            channel=channel,
            purpose=purpose,
            on_limit=OnLimit(message.on_limit),
            policy=self.policy,
            now=now,
        )
        if paced.action == "drop":
            outbox.mark_held(message, status="dropped", reason=paced.reason, until=None)
            return None
        if paced.action == "delay":
            outbox.mark_held(message, status="queued", reason=paced.reason, until=paced.until)
            return None
        message.address = decision.address
        try:
            outgoing = self._render(session, message, person, decision.address)
        except Exception as error:  # noqa: BLE001 - a template that fails fails its message
            log.warning("message %s could not be rendered: %s", message.id, error)
            outbox.mark_held(message, status="failed", reason=f"render: {error}"[:2000], until=None)
            return None
        outbox.claim(message, now=now)
        return outgoing

    def _render(
        self, session: Session, message: OutboxMessage, person: Person, address: str
    ) -> Outgoing:
        rendered = self._content(session, message, person)
        message.subject = rendered.subject[:2000]
        email = None
        if message.channel == Channel.EMAIL.value:
            email = build_email(rendered, message, address=address, links=self.links)
        return Outgoing(
            channel=message.channel,
            address=address,
            idempotency_key=message.idempotency_key,
            subject=rendered.subject,
            text=rendered.text,
            email=email,
            extra={"message_id": message.id, "person_id": person.id},
        )

    def _content(self, session: Session, message: OutboxMessage, person: Person) -> Rendered:
        context = context_for(
            person, message, links=self.links, recommendations=self.recommendations
        )
        if outbox.is_inline(message):
            variables = message.variables
            sources = TemplateSources(
                subject=str(variables.get("subject", "")), text=str(variables.get("text", ""))
            )
            return render_sources(sources, {**context, **dict(variables.get("context") or {})})
        if message.template_id is None:
            if message.variables.get("builtin") == outbox.BUILTIN_OPT_IN:
                return opt_in_content(self.links, person)
            raise ValueError("the message's template was deleted")
        template = session.get(MessageTemplate, message.template_id)
        if template is None:
            raise ValueError("the message's template was deleted")
        return render(template, context)

    def _hand_over(self, message_id: int, outgoing: Outgoing | None) -> None:
        if outgoing is None:
            return
        transport = self.transports[Channel(outgoing.channel)]
        try:
            provider_id = transport.send(outgoing)
        except DeliveryFailed as failure:
            self._record_failure(message_id, outgoing, failure)
        except Exception as error:  # a transport bug must not kill the worker: retried
            log.exception("sending message %s failed unexpectedly", message_id)
            self._record_failure(message_id, outgoing, DeliveryFailed(repr(error), permanent=False))
        else:
            with self.database.transaction() as session:
                message = outbox.get_message(session, message_id)
                outbox.mark_sent(message, now=self.clock(), provider_id=provider_id)

    def _record_failure(self, message_id: int, outgoing: Outgoing, failure: DeliveryFailed) -> None:
        with self.database.transaction() as session:
            message = outbox.get_message(session, message_id)
            outbox.mark_failed(
                message,
                now=self.clock(),
                error=str(failure),
                permanent=failure.permanent,
                backoff=self.backoff,
            )
            if failure.hard_bounce:
                suppress(
                    session,
                    channel=Channel(outgoing.channel),
                    address=outgoing.address,
                    reason=SuppressionReason.HARD_BOUNCE,
                    note=f"message {message_id}: {failure}"[:2000],
                )
