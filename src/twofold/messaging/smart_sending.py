"""Smart sending: frequency caps and quiet hours, decided in one place in the send path.

Only marketing is paced; transactional messages go at once. Caps count the marketing
messages sent (or being sent) to the person on the channel within each window; quiet hours
are read in the person's ``timezone`` trait (the installation's zone when missing or
unknown). A message over a limit waits until the first moment every limit allows it
(``delay``) or is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from twofold.core.messaging_settings import QuietHours, SendingPolicy
from twofold.messaging.channels import Channel, OnLimit, Purpose
from twofold.store.models import OutboxMessage, Person


@dataclass(frozen=True)
class Pace:
    """``send`` now, ``delay`` until ``until``, or ``drop``; ``reason`` names the limit."""

    action: Literal["send", "delay", "drop"]
    reason: str = ""
    until: datetime | None = None


def person_zone(person: Person, default: str) -> ZoneInfo:
    """The person's time zone (trait ``timezone``), else the installation's."""
    name = person.traits.get("timezone")
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(default)


def pace(
    session: Session,
    *,
    person: Person,
    channel: Channel,
    purpose: Purpose,
    on_limit: OnLimit,
    policy: SendingPolicy,
    now: datetime,
) -> Pace:
    """Whether a message may go now under the caps and quiet hours of ``policy``."""
    if purpose is not Purpose.MARKETING:  # caps and quiet hours are for marketing only
        return Pace("send")
    reasons: list[str] = []
    moment = _after_caps(
        session, person_id=person.id, channel=channel, policy=policy, now=now, reasons=reasons
    )
    quiet = policy.quiet_hours.get(channel.value)
    if quiet is not None:
        moment = _after_quiet_hours(
            quiet, person_zone(person, policy.default_timezone), moment, reasons
        )
    if moment <= now:
        return Pace("send")
    reason = ", ".join(reasons)
    if on_limit is OnLimit.DROP:
        return Pace("drop", reason=reason)
    return Pace("delay", reason=reason, until=moment)


def _after_caps(
    session: Session,
    *,
    person_id: int,
    channel: Channel,
    policy: SendingPolicy,
    now: datetime,
    reasons: list[str],
) -> datetime:
    """The first moment no cap is exceeded (``now`` when none is)."""
    moment = now
    caps = policy.caps.get(channel.value, ())
    if not caps:
        return moment
    longest = max(cap.window for cap in caps)
    # Messages being sent right now count as sent now: a batch decided together must not
    # slip past a cap because none of it has been handed over yet.
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.sent_at).where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.channel == channel.value,
            OutboxMessage.purpose == Purpose.MARKETING.value,
            or_(
                and_(OutboxMessage.status == "sent", OutboxMessage.sent_at > now - longest),
                OutboxMessage.status == "sending",
            ),
        )
    ).all()
    times = sorted(
        (now if status == "sending" or sent_at is None else sent_at for status, sent_at in rows),
        reverse=True,
    )
    for cap in caps:
        recent = [moment_sent for moment_sent in times if moment_sent > now - cap.window]
        if len(recent) >= cap.count:
            moment = max(moment, recent[cap.count - 1] + cap.window)
            reasons.append(f"cap {cap.count} per {_span(cap.window)}")
    return moment


def _after_quiet_hours(
    quiet: QuietHours, zone: ZoneInfo, moment: datetime, reasons: list[str]
) -> datetime:
    """``moment``, or the end of the quiet hours it falls in (in the person's zone)."""
    local = moment.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return moment
    end_day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        end_day += timedelta(days=1)  # 22:30 in 21:00-08:00 ends tomorrow morning
    reasons.append(f"quiet hours {quiet.start:%H:%M}-{quiet.end:%H:%M} {zone.key}")
    end = datetime.combine(end_day, quiet.end, tzinfo=zone)
    return end.astimezone(moment.tzinfo)


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
