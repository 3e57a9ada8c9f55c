"""The sender worker of the server process: one thread drains the outbox, another fans out
and delivers webhooks, so that a slow webhook target never holds up email (and the other
way round). Started and stopped with the app, next to the ingestion runtime; restart-safe,
because every state lives in the records database (decision 0017)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from twofold.core.settings import Settings
from twofold.events.store import EventStore
from twofold.messaging.channels import Channel
from twofold.messaging.compose import LinkSettings
from twofold.messaging.erased import erased_identifiers
from twofold.messaging.sender import OutboxSender
from twofold.messaging.transports import HttpProviderTransport, SmtpTransport, Transport
from twofold.messaging.webhooks.delivery import WebhookDispatcher
from twofold.messaging.webhooks.feeds import feeds_for
from twofold.recommendations.catalogue import CatalogueCache
from twofold.recommendations.serving import ItemToItemProvider
from twofold.store.database import Database

log = logging.getLogger(__name__)


class Job(Protocol):
    """One kind of background work: ``run_once`` does what is due, ``recover`` runs at start."""

    def recover(self) -> int: ...

    def run_once(self) -> int: ...


@dataclass
class OutboxJob:
    """The outbox as a worker job."""

    sender: OutboxSender

    def recover(self) -> int:
        return self.sender.recover()

    def run_once(self) -> int:
        self.sender.recover()  # leases that ran out while this process lives (a stuck send)
        return self.sender.send_due()


def transports_for(settings: Settings) -> dict[Channel, Transport]:
    """The configured transports: SMTP for email, HTTP providers for SMS and push."""
    transports: dict[Channel, Transport] = {}
    if settings.smtp is not None:
        transports[Channel.EMAIL] = SmtpTransport(settings.smtp)
    if settings.sms_provider is not None:
        transports[Channel.SMS] = HttpProviderTransport(settings.sms_provider)
    if settings.push_provider is not None:
        transports[Channel.PUSH] = HttpProviderTransport(settings.push_provider)
    return transports


def outbox_sender_for(settings: Settings, database: Database, store: EventStore) -> OutboxSender:
    """The sender as configured by the settings."""
    return OutboxSender(
        database=database,
        links=LinkSettings(
            base=settings.link_base,
            secret_key=settings.secret_key,
            email_from=settings.email_from,
            unsubscribe_mailto=settings.unsubscribe_mailto,
        ),
        policy=settings.sending,
        transports=transports_for(settings),
        erased=erased_identifiers(store),
        recommendations=ItemToItemProvider(
            store, catalogue=CatalogueCache(database, base_currency=settings.base_currency)
        ),
    )


def webhook_dispatcher_for(
    settings: Settings, database: Database, store: EventStore
) -> WebhookDispatcher:
    """The webhook fan-out and delivery, as configured."""
    return WebhookDispatcher(
        database=database,
        feeds=feeds_for(store),
        installation_key=settings.secret_key,
        timeout_seconds=settings.webhook_timeout_seconds,
    )


class MessagingWorker:
    """Runs each job in a thread of its own, every ``interval`` seconds or when woken."""

    def __init__(self, jobs: dict[str, Job], *, interval: float = 1.0) -> None:
        self.jobs = jobs
        self.interval = interval
        self._stopping = threading.Event()
        self._wakeups = {name: threading.Event() for name in jobs}
        self._threads: list[threading.Thread] = []
        self.last_error: BaseException | None = None

    def start(self) -> None:
        for name, job in self.jobs.items():
            thread = threading.Thread(
                target=self._run, args=(name, job), name=f"twofold-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Finish the pass under way and stop."""
        self._stopping.set()
        for event in self._wakeups.values():
            event.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def wake(self) -> None:
        """Look for work now (after something was queued)."""
        for event in self._wakeups.values():
            event.set()

    def _run(self, name: str, job: Job) -> None:
        self._safely(name, job.recover)
        wakeup = self._wakeups[name]
        while not self._stopping.is_set():
            self._safely(name, job.run_once)
            wakeup.wait(self.interval)
            wakeup.clear()

    def _safely(self, name: str, step: Callable[[], int]) -> None:
        try:
            step()
        except Exception as error:  # the next pass retries; the server goes on
            self.last_error = error
            log.exception("messaging job %s failed; retrying on the next pass", name)
