"""Carry out Shopify's ``customers/redact`` requests with the person erasure.

The webhook handler only records the request (Shopify wants its answer at once); the loader
thread then finds the customer's person — by the ``shopify:<customer id>`` user id the
webhooks give customers, else by email — and erases them (``persons/erasure.py``), then marks
the request ``erased`` (or ``nothing_to_erase``). ``customers/data_request`` and
``shop/redact`` stay recorded for an admin: Shopify expects the data to be sent to the
merchant, and a shop's redaction is a decision about a whole source.
"""

from __future__ import annotations

from dataclasses import dataclass

from twofold.identity.mappings import owners_of
from twofold.identity.rules import EMAIL, USER_ID, email_identifier
from twofold.persons.erasure import erase_person
from twofold.persons.stores import PersonStores

ERASED = "erased"
NOTHING = "nothing_to_erase"


@dataclass(frozen=True)
class Redaction:
    """What one pass did."""

    requests: int
    persons_erased: int


def carry_out_redactions(stores: PersonStores) -> Redaction:
    """Erase the persons of every pending ``customers/redact`` request."""
    with stores.events.reader() as reader:
        pending = reader.execute(
            "SELECT request_id, customer_id, email FROM privacy_requests "
            "WHERE topic = 'customers/redact' AND status = 'erasure_pending' ORDER BY request_id"
        ).fetchall()
    erased = 0
    for request_id, customer_id, email in pending:
        identifiers = []
        if customer_id:
            identifiers.append((USER_ID, f"shopify:{customer_id}"))
        normalised = email_identifier(email)
        if normalised:
            identifiers.append((EMAIL, normalised))
        with stores.database.transaction(write=False) as session:
            persons = sorted(set(owners_of(session, identifiers).values()))
        for person_id in persons:
            erase_person(stores, actor=None, person_id=person_id)
        erased += len(persons)
        with stores.events.writer() as writer:
            writer.execute(
                "UPDATE privacy_requests SET status = ? WHERE request_id = ?",
                [ERASED if persons else NOTHING, request_id],
            )
    return Redaction(requests=len(pending), persons_erased=erased)
