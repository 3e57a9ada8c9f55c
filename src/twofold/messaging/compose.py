"""Build what is sent: the template context for a person, and the complete email (CSS
inlined, links tracked, open pixel, List-Unsubscribe headers, a plain-text part)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html.parser import HTMLParser
from typing import Any, Final

import css_inline

from twofold.core.time import utcnow
from twofold.messaging.channels import Channel, Purpose
from twofold.messaging.consent import address_of, opt_in_token_payload
from twofold.messaging.outbox import is_inline
from twofold.messaging.recommendations import RecommendationProvider
from twofold.messaging.templates import Rendered
from twofold.messaging.tokens import TokenPurpose, sign
from twofold.messaging.tracking import add_pixel, click_url, open_url, rewrite_links
from twofold.store.models import OutboxMessage, Person

RECOMMENDATIONS_SHOWN: Final = 4
_inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True)
class LinkSettings:
    """What links in messages need: the public base URL and the installation key."""

    base: str
    secret_key: str
    email_from: str
    unsubscribe_mailto: str | None = None


def unsubscribe_url(links: LinkSettings, message: OutboxMessage) -> str:
    """The one-click unsubscribe URL of a message (GET shows a page, POST unsubscribes)."""
    payload = {"p": message.person_id, "c": message.channel, "m": message.id}
    return f"{links.base}/m/u/{sign(links.secret_key, TokenPurpose.UNSUBSCRIBE, payload)}"


def confirm_url(links: LinkSettings, person: Person) -> str:
    """The double opt-in confirmation link for the person's email."""
    token = sign(links.secret_key, TokenPurpose.CONFIRM, opt_in_token_payload(person))
    return f"{links.base}/m/confirm/{token}"


def context_for(
    person: Person,
    message: OutboxMessage,
    *,
    links: LinkSettings,
    recommendations: RecommendationProvider,
) -> dict[str, Any]:
    """What a template sees: the person, recommendations, the message's variables, links."""
    return {
        "person": {
            "id": person.id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "name": f"{person.first_name} {person.last_name}".strip(),
            "email": address_of(person, Channel.EMAIL),
            "phone": address_of(person, Channel.SMS),
            "traits": dict(person.traits),
        },
        "recommendations": [
            item.as_context() for item in recommendations(person, RECOMMENDATIONS_SHOWN)
        ],
        "data": dict(message.variables),
        "unsubscribe_url": unsubscribe_url(links, message),
        "message_id": message.id,
    }


def opt_in_content(links: LinkSettings, person: Person) -> Rendered:
    """The built-in double opt-in confirmation email."""
    url = confirm_url(links, person)
    text = (
        "Please confirm that you want to receive our emails:\n\n"
        f"{url}\n\nIf you did not ask for this, ignore this message: nothing will be sent."
    )
    html = (
        "<p>Please confirm that you want to receive our emails.</p>"
        f'<p><a href="{url}">Yes, subscribe me</a></p>'
        "<p>If you did not ask for this, ignore this message: nothing will be sent.</p>"
    )
    return Rendered(subject="Please confirm your subscription", html=html, text=text)


def build_email(
    rendered: Rendered, message: OutboxMessage, *, address: str, links: LinkSettings
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, tracked links and pixel in the HTML,
    ``List-Unsubscribe`` (mailto and one-click https, RFC 8058) on marketing and personal
    email. An inline message (a rep's personal email) is from the rep, replies to them."""
    email = EmailMessage()
    inline = is_inline(message)
    email["From"] = str(
        message.variables.get("from") or links.email_from if inline else links.email_from
    )
    if inline and message.variables.get("reply_to"):
        email["Reply-To"] = str(message.variables["reply_to"])
    email["To"] = address
    email["Subject"] = rendered.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id_header(message.idempotency_key, links.email_from)
    if message.purpose in {Purpose.MARKETING.value, Purpose.PERSONAL.value}:
        one_click = unsubscribe_url(links, message)
        mailto = links.unsubscribe_mailto or parseaddr(links.email_from)[1]
        email["List-Unsubscribe"] = f"<mailto:{mailto}?subject=unsubscribe>, <{one_click}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = rendered.text or html_to_text(rendered.html)
    email.set_content(text)
    if rendered.html.strip():
        email.add_alternative(_tracked_html(rendered.html, message, links), subtype="html")
    return email


def message_id_header(idempotency_key: str, email_from: str) -> str:
    """A Message-ID derived from the idempotency key: a resend carries the same one."""
    domain = parseaddr(email_from)[1].rpartition("@")[2] or "twofold.invalid"
    return f"<{message_ref(idempotency_key)}@{domain}>"


def message_ref(idempotency_key: str) -> str:
    """The left part of the message's Message-ID: replies quote it in In-Reply-To."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def _tracked_html(document: str, message: OutboxMessage, links: LinkSettings) -> str:
    inlined = _inliner.inline(document)
    own = f"{links.base}/m/"

    def track(url: str) -> str | None:
        if url.startswith(own):  # our own unsubscribe and confirmation links stay as they are
            return None
        return click_url(
            base=links.base, secret_key=links.secret_key, message_id=message.id, url=url
        )

    tracked = rewrite_links(inlined, track)
    pixel = open_url(base=links.base, secret_key=links.secret_key, message_id=message.id)
    return add_pixel(tracked, pixel)


class _TextCollector(HTMLParser):
    BREAKS: Final = frozenset({"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script", "head"}:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script", "head"}:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(document: str) -> str:
    """A readable plain-text part for an HTML-only template."""
    collector = _TextCollector()
    collector.feed(document)
    collector.close()
    lines = [" ".join(line.split()) for line in "".join(collector.parts).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"
