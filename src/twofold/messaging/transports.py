"""How a rendered message leaves: the transport interface, SMTP for email (stdlib smtplib:
STARTTLS or TLS, AUTH), and a generic HTTP provider for SMS and push."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
import orjson
from jinja2.sandbox import SandboxedEnvironment

from twofold.core.messaging_settings import HttpProviderSettings, SmtpSettings


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: where, what, and the key that identifies it everywhere."""

    channel: str
    address: str
    idempotency_key: str
    subject: str = ""
    text: str = ""
    email: EmailMessage | None = None  # the whole MIME message, for email
    extra: dict[str, Any] = field(default_factory=dict)


class DeliveryFailed(Exception):
    """An attempt that did not hand the message over; ``permanent`` ones are not retried.
    ``hard_bounce`` marks a recipient the server says does not exist."""

    def __init__(self, message: str, *, permanent: bool, hard_bounce: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.hard_bounce = hard_bounce


class Transport(Protocol):
    """Hands a message over; returns the provider's id for it (if any) or DeliveryFailed."""

    def send(self, message: Outgoing) -> str | None: ...


class SmtpTransport:
    """Email over SMTP, one connection per message (simple, and fine for embedded volumes)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> str | None:
        """Deliver ``message.email``; 5xx answers are permanent, anything else is retried."""
        if message.email is None:
            raise DeliveryFailed("no email content", permanent=True)
        try:
            with self._connect() as client:
                refused = client.send_message(message.email, to_addrs=[message.address])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise _failure(code, reply, recipient=True) from None
        except smtplib.SMTPResponseException as error:
            raise _failure(error.smtp_code, error.smtp_error, recipient=False) from None
        except (smtplib.SMTPException, OSError) as error:  # connection, TLS, timeouts
            raise DeliveryFailed(
                f"SMTP: {type(error).__name__}: {error}", permanent=False
            ) from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise _failure(code, reply, recipient=True)
        return str(message.email["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = ssl.create_default_context(cafile=settings.cafile)
        client: smtplib.SMTP
        if settings.ssl:
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        try:
            client.ehlo()
            if settings.starttls:
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password or "")
        except BaseException:
            client.close()
            raise
        return client


def _failure(code: int, reply: bytes | str, *, recipient: bool) -> DeliveryFailed:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    permanent = 500 <= code < 600
    return DeliveryFailed(
        f"SMTP {code}: {text}"[:2000],
        permanent=permanent,
        hard_bounce=permanent and recipient and code in {550, 551, 553},
    )


_body_environment = SandboxedEnvironment(autoescape=False)


class HttpProviderTransport:
    """SMS or push through a provider's HTTP API: POST a JSON body built from a template.

    The body template is a JSON object whose string values may use ``{{ to }}``, ``{{ body }}``,
    ``{{ title }}``, ``{{ message_id }}`` and ``{{ idempotency_key }}``; values are filled in
    after parsing, so nothing a person typed can break the JSON. 2xx is accepted (the id is
    read from ``id``, ``message_id`` or ``sid``), 408/429/5xx and timeouts are retried, other
    4xx fail for good. ``Idempotency-Key`` carries the message's key.
    """

    def __init__(self, settings: HttpProviderSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.template = orjson.loads(settings.body_template)
        self.client = client or httpx.Client(
            timeout=settings.timeout_seconds, follow_redirects=False
        )

    def send(self, message: Outgoing) -> str | None:
        """POST the message to the provider."""
        values = {
            "to": message.address,
            "body": message.text,
            "title": message.subject,
            "idempotency_key": message.idempotency_key,
            **message.extra,
        }
        headers = {"Idempotency-Key": message.idempotency_key}
        if self.settings.auth_header:
            headers["Authorization"] = self.settings.auth_header
        try:
            response = self.client.post(
                self.settings.url, content=orjson.dumps(_fill(self.template, values)),
                headers={**headers, "Content-Type": "application/json"},
            )  # fmt: skip
        except httpx.HTTPError as error:
            raise DeliveryFailed(
                f"provider: {type(error).__name__}: {error}", permanent=False
            ) from None
        if response.is_success:
            return _provider_id(response)
        retry = response.status_code in {408, 425, 429} or response.status_code >= 500
        raise DeliveryFailed(
            f"provider answered {response.status_code}: {response.text[:500]}", permanent=not retry
        )


def _fill(template: object, values: dict[str, Any]) -> object:
    if isinstance(template, str):
        return (
            _body_environment.from_string(template).render(values) if "{" in template else template
        )
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    return template


def _provider_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in ("id", "message_id", "sid"):
            if body.get(key) is not None:
                return str(body[key])[:200]
    return None
