"""The GDPR side of suppression: identifiers of erased persons, kept as SHA-256 digests in
the event store (``suppressed_identifiers``, decision 0009), are never messaged either."""

from __future__ import annotations

from twofold.events.person_events import identifier_digest
from twofold.events.store import EventStore
from twofold.messaging.channels import Channel
from twofold.messaging.suppressions import ErasedCheck


def erased_identifiers(store: EventStore) -> ErasedCheck:
    """A check of normalised emails and phone numbers against the erased identifiers."""

    def was_erased(channel: Channel, address: str) -> bool:
        if channel is Channel.PUSH:  # push tokens are not identity-graph identifiers
            return False
        with store.reader() as reader:
            row = reader.execute(
                "SELECT 1 FROM suppressed_identifiers WHERE digest = ?",
                [identifier_digest(address)],
            ).fetchone()
        return row is not None

    return was_erased
