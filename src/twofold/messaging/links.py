"""What the signed links in messages do: unsubscribe (one click, RFC 8058), confirm a double
opt-in, and record opens and clicks as events. No login: the signature is the authority."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from twofold.core.errors import Conflict
from twofold.ingest.sources import create_source, find_source
from twofold.messaging.channels import Channel, ConsentStatus
from twofold.messaging.consent import confirm_email_opt_in, set_consent
from twofold.messaging.tokens import BadToken, TokenPurpose, verify
from twofold.messaging.tracking import (
    CLICKED,
    OPENED,
    clicked_message_key,
    engagement_lines,
    opened_message_key,
)
from twofold.store.models import OutboxMessage, Person

SYSTEM_SOURCE: Final = "Twofold messaging"


@dataclass(frozen=True)
class Engagement:
    """An open or click to journal: the lines, ready for ``Journal.append``."""

    lines: bytes


def system_source_id(session: Session) -> int:
    """The source engagement events are recorded under (created on first use)."""
    source = find_source(session, SYSTEM_SOURCE)
    if source is None:
        source, _key = create_source(session, actor=None, name=SYSTEM_SOURCE, kind="system")
    return source.id


def unsubscribe(session: Session, *, secret_key: str, token: str) -> Channel:
    """Unsubscribe the person the token names from its channel (idempotent)."""
    payload = verify(secret_key, TokenPurpose.UNSUBSCRIBE, token)
    person = session.get(Person, _int(payload.get("p")))
    channel = _channel(payload.get("c"))
    if person is None:  # erased or deleted since: nothing left to unsubscribe
        return channel
    set_consent(
        session,
        actor=None,
        person=person,
        channel=channel,
        status=ConsentStatus.UNSUBSCRIBED,
        source="unsubscribe link",
        note=f"message {_int(payload.get('m'))}",
    )
    return channel


def confirm(session: Session, *, secret_key: str, token: str) -> None:
    """Confirm a double opt-in; BadToken for a forged, expired or stale link."""
    payload = verify(secret_key, TokenPurpose.CONFIRM, token)
    person = session.get(Person, _int(payload.get("p")))
    if person is None:
        raise BadToken("the person is gone")
    address = payload.get("a")
    try:
        confirm_email_opt_in(
            session, person=person, address=address if isinstance(address, str) else None
        )
    except Conflict as error:
        raise BadToken(error.message) from None


def click_target(*, secret_key: str, token: str) -> tuple[int, str]:
    """The message and the URL a genuine click token was signed for (only http(s))."""
    payload = verify(secret_key, TokenPurpose.CLICK, token)
    url = payload.get("u")
    if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
        raise BadToken("not a web link")
    return _int(payload.get("m")), url


def opened_message(*, secret_key: str, token: str) -> int:
    """The message a genuine open token names."""
    return _int(verify(secret_key, TokenPurpose.OPEN, token).get("m"))


def engagement(
    session: Session, *, message_id: int, clicked_url: str | None = None
) -> Engagement | None:
    """Journal lines for an open (``clicked_url`` None) or a click; None when the message is
    gone (its person erased)."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return None
    properties: dict[str, object] = {
        "message_id": message.id,
        "template_id": message.template_id,
        "channel": message.channel,
    }
    if clicked_url is None:
        event, key = OPENED, opened_message_key(message.id)
    else:
        event, key = CLICKED, clicked_message_key(message.id, clicked_url)
        properties["url"] = clicked_url
    lines = engagement_lines(
        source_id=system_source_id(session),
        person_id=message.person_id,
        email=message.address,
        event=event,
        properties=properties,
        message_key=key,
    )
    return Engagement(lines=lines)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadToken("malformed token")
    return value


def _channel(value: object) -> Channel:
    try:
        return Channel(str(value))
    except ValueError:
        raise BadToken("malformed token") from None
