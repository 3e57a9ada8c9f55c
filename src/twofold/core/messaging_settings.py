"""Messaging settings: the SMTP URL, SMS/push providers, frequency caps and quiet hours.

Parsed once at start, so that a wrong value stops the server with a clear message rather
than failing the first send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

CHANNELS: Final = ("email", "sms", "push")
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_WINDOW_UNITS: Final = {"m": 60, "h": 3600, "d": 86400}
_CAP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([mhd])\s*$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class SmtpSettings:
    """Where email is delivered: ``smtp://user:pass@host:port?starttls=true`` (or ``smtps://``)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    ssl: bool = False
    timeout_seconds: float = 30.0
    cafile: str | None = None  # a CA bundle for a relay with a private certificate


@dataclass(frozen=True)
class Cap:
    """At most ``count`` marketing messages per ``window`` on a channel."""

    count: int
    window: timedelta


@dataclass(frozen=True)
class QuietHours:
    """Local times between which marketing is not sent (may wrap midnight: 21:00-08:00)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local wall-clock time falls inside the quiet hours."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class SendingPolicy:
    """Frequency caps and quiet hours per channel, and the zone of persons without one."""

    caps: dict[str, tuple[Cap, ...]] = field(default_factory=dict)
    quiet_hours: dict[str, QuietHours] = field(default_factory=dict)
    default_timezone: str = "UTC"


DEFAULT_CAPS: Final = "email=1/16h,3/7d;sms=1/24h,2/7d;push=2/24h"
DEFAULT_QUIET_HOURS: Final = "sms=21:00-09:00;push=21:00-09:00"


@dataclass(frozen=True)
class HttpProviderSettings:
    """A generic HTTP provider for SMS or push: POST ``body`` (a JSON template) to ``url``."""

    url: str
    auth_header: str | None = field(default=None, repr=False)  # the Authorization value
    body_template: str = '{"to": "{{ to }}", "body": "{{ body }}"}'
    timeout_seconds: float = 10.0


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://[user[:password]@]host[:port][?starttls=true&timeout=30&cafile=PATH]``;
    ``smtps://`` is TLS
    from the first byte (port 465). A malformed URL raises ValueError naming what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError("TWOFOLD_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("TWOFOLD_SMTP_URL needs a host, e.g. smtp://127.0.0.1:2525")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("TWOFOLD_SMTP_URL has a port that is not a number") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout", "cafile"}
    if unknown:
        raise ValueError(f"TWOFOLD_SMTP_URL: unknown option(s) {', '.join(sorted(unknown))}")
    ssl = parts.scheme == "smtps"
    starttls = _flag(query.get("starttls", "false"), "starttls")
    if ssl and starttls:
        raise ValueError("TWOFOLD_SMTP_URL: smtps:// is TLS already; drop starttls=true")
    timeout = query.get("timeout", "30")
    if not timeout.isdigit() or not 1 <= int(timeout) <= 600:
        raise ValueError("TWOFOLD_SMTP_URL: timeout must be 1-600 seconds")
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if ssl else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls,
        ssl=ssl,
        timeout_seconds=float(timeout),
        cafile=query.get("cafile") or None,
    )


def _flag(value: str, name: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"TWOFOLD_SMTP_URL: {name} must be true or false")


def parse_caps(text: str) -> dict[str, tuple[Cap, ...]]:
    """``email=1/16h,3/7d;sms=1/24h``: per channel, count/window pairs; ``none`` for no caps."""
    caps: dict[str, tuple[Cap, ...]] = {}
    for channel, value in _per_channel(text, "TWOFOLD_FREQUENCY_CAPS"):
        found: list[Cap] = []
        for item in value.split(","):
            match = _CAP.match(item)
            if match is None or int(match[1]) < 1 or int(match[2]) < 1:
                raise ValueError(
                    f"TWOFOLD_FREQUENCY_CAPS: {item.strip()!r} is not a cap like 1/16h or 3/7d"
                )
            seconds = int(match[2]) * _WINDOW_UNITS[match[3]]
            found.append(Cap(count=int(match[1]), window=timedelta(seconds=seconds)))
        caps[channel] = tuple(found)
    return caps


def parse_quiet_hours(text: str) -> dict[str, QuietHours]:
    """``sms=21:00-09:00;email=22:00-07:00``: local quiet hours per channel."""
    hours: dict[str, QuietHours] = {}
    for channel, value in _per_channel(text, "TWOFOLD_QUIET_HOURS"):
        start, _, end = value.partition("-")
        start_match, end_match = _CLOCK.match(start.strip()), _CLOCK.match(end.strip())
        if start_match is None or end_match is None or start.strip() == end.strip():
            raise ValueError(
                f"TWOFOLD_QUIET_HOURS: {value!r} is not a span of two times like 21:00-08:00"
            )
        hours[channel] = QuietHours(
            start=time(int(start_match[1]), int(start_match[2])),
            end=time(int(end_match[1]), int(end_match[2])),
        )
    return hours


def _per_channel(text: str, name: str) -> list[tuple[str, str]]:
    if text.strip().lower() in {"", "none"}:
        return []
    pairs: list[tuple[str, str]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        channel, separator, value = part.partition("=")
        channel = channel.strip().lower()
        if not separator or channel not in CHANNELS:
            raise ValueError(
                f"{name}: {part.strip()!r} must be CHANNEL=... with email, sms or push"
            )
        pairs.append((channel, value.strip()))
    return pairs


def check_timezone(name: str, setting: str = "TWOFOLD_TIMEZONE") -> str:
    """A valid IANA zone name, or ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{setting}: {name!r} is not a time zone such as Europe/Amsterdam"
        ) from None
    return name


def parse_provider(env: dict[str, str], prefix: str) -> HttpProviderSettings | None:
    """``TWOFOLD_SMS_PROVIDER_URL`` (+ ``_AUTH``, ``_BODY``, ``_TIMEOUT``), or None when unset."""
    url = env.get(f"{prefix}_URL", "").strip()
    if not url:
        return None
    if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
        raise ValueError(f"{prefix}_URL must be an http(s) URL")
    body = env.get(f"{prefix}_BODY") or HttpProviderSettings.body_template
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError(
            f"{prefix}_BODY must be a JSON object (string values may use {{{{ to }}}})"
        )
    timeout = env.get(f"{prefix}_TIMEOUT", "10").strip()
    if not timeout.isdigit() or not 1 <= int(timeout) <= 120:
        raise ValueError(f"{prefix}_TIMEOUT must be 1-120 seconds")
    return HttpProviderSettings(
        url=url,
        auth_header=env.get(f"{prefix}_AUTH") or None,
        body_template=body,
        timeout_seconds=float(timeout),
    )
