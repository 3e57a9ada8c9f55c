"""Opens and clicks: signed tracking links in outgoing HTML, and the events they become.

Each ``<a href="http(s)://...">`` is rewritten to ``/m/c/<token>``, the token signing the
message id and the original URL together: the click endpoint redirects only to a URL it
signed itself, so it is no open redirect. A one-pixel image ``/m/o/<token>`` records opens.
Opens and clicks are journalled like any Segment message (durable, de-duplicated by
messageId: one ``Email Opened`` per message, one ``Email Clicked`` per message and link).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, Final

from twofold.core.time import utcnow
from twofold.ingest.messages import Receipt, journal_line
from twofold.messaging.tokens import TokenPurpose, sign

OPENED: Final = "Email Opened"
CLICKED: Final = "Email Clicked"
_HREF = re.compile(r"""(\shref\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
PIXEL_GIF: Final = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def recipient_id(person_id: int) -> str:
    """The anonymous id engagement events carry: tied to the person by one identify."""
    return f"twofold-recipient-{person_id}"


def click_url(*, base: str, secret_key: str, message_id: int, url: str) -> str:
    """The tracking link for ``url`` in message ``message_id``."""
    return f"{base}/m/c/{sign(secret_key, TokenPurpose.CLICK, {'m': message_id, 'u': url})}"


def open_url(*, base: str, secret_key: str, message_id: int) -> str:
    """The open pixel of message ``message_id``."""
    return f"{base}/m/o/{sign(secret_key, TokenPurpose.OPEN, {'m': message_id})}"


class _AnchorFinder(HTMLParser):
    """Where each ``<a>`` start tag is in the document (line, column and its exact text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[int, int, str]] = []

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            line, column = self.getpos()
            self.anchors.append((line, column, self.get_starttag_text() or ""))


def rewrite_links(document: str, link_for: Callable[[str], str | None]) -> str:
    """Every anchor's ``href`` replaced by ``link_for(url)`` (None keeps the link as it is).

    The HTML parser finds the anchors, so ``href`` in text or comments is left alone; only
    the attribute inside each found start tag is replaced.
    """
    finder = _AnchorFinder()
    finder.feed(document)
    finder.close()
    if not finder.anchors:
        return document
    # The parser counts lines by "\n" only (not by every separator str.splitlines knows).
    line_starts = [0] + [index + 1 for index, char in enumerate(document) if char == "\n"]
    pieces: list[str] = []
    position = 0
    for line, column, tag_text in finder.anchors:
        start = line_starts[line - 1] + column
        if document[start : start + len(tag_text)] != tag_text:
            continue  # the parser's position does not match: leave this anchor alone
        pieces.append(document[position:start])
        pieces.append(_HREF.sub(lambda match: _swap(match, link_for), tag_text, count=1))
        position = start + len(tag_text)
    pieces.append(document[position:])
    return "".join(pieces)


def _swap(match: re.Match[str], link_for: Callable[[str], str | None]) -> str:
    raw = match[2].strip("\"'")
    target = html.unescape(raw).strip()
    if not target.lower().startswith(("http://", "https://")):
        return match[0]
    replacement = link_for(target)
    if replacement is None:
        return match[0]
    return f'{match[1]}"{html.escape(replacement, quote=True)}"'


def add_pixel(document: str, pixel: str) -> str:
    """The open pixel, just before ``</body>`` (or at the end)."""
    source = html.escape(pixel, quote=True)
    tag = f'<img src="{source}" width="1" height="1" alt="" style="display:block;border:0">'
    index = document.lower().rfind("</body>")
    if index < 0:
        return document + tag
    return document[:index] + tag + document[index:]


def engagement_lines(
    *,
    source_id: int,
    person_id: int,
    email: str | None,
    event: str,
    properties: dict[str, Any],
    message_key: str,
) -> bytes:
    """Journal lines for an open or click: an identify tying the recipient id to the person
    by their email (its messageId makes it once per person), then the track event."""
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    anonymous = recipient_id(person_id)
    lines = []
    if email:
        lines.append(
            journal_line(
                {
                    "type": "identify",
                    "anonymousId": anonymous,
                    "traits": {"email": email},
                    "messageId": f"twofold-recipient-{person_id}-{_short(email)}",
                },
                receipt,
            )
        )
    lines.append(
        journal_line(
            {
                "type": "track",
                "event": event,
                "anonymousId": anonymous,
                "properties": properties,
                "context": {"traits": {"email": email}} if email else {},
                "messageId": message_key,
            },
            receipt,
        )
    )
    return b"".join(lines)


def opened_message_key(message_id: int) -> str:
    """One ``Email Opened`` per message."""
    return f"twofold-email-opened-{message_id}"


def clicked_message_key(message_id: int, url: str) -> str:
    """One ``Email Clicked`` per message and link."""
    return f"twofold-email-clicked-{message_id}-{_short(url)}"


def _short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]
