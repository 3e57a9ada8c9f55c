"""Business days and working hours in a time zone: when a sequence's wait ends.

Business days are Monday to Friday (public holidays are not known). A wait ends at the same
local time so many business days later, moved into working hours (08:00-18:00) when it falls
outside them: before 08:00 to 08:00 that day, after 18:00 to 08:00 the next business day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from twofold.core.time import as_utc

WORK_START: Final = time(8, 0)
WORK_END: Final = time(18, 0)
SATURDAY: Final = 5


def add_business_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """``days`` business days after ``moment`` (a weekend start counts from Monday)."""
    local = moment.astimezone(zone)
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < SATURDAY:
            days -= 1
    return as_utc(_same_wall_clock(local, zone))


def into_working_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment``, or the next start of working hours on a business day if it is outside."""
    local = moment.astimezone(zone)
    if local.weekday() < SATURDAY and WORK_START <= local.time() < WORK_END:
        return as_utc(moment)
    day = local.date()
    if local.weekday() < SATURDAY and local.time() < WORK_START:
        return _at(day, WORK_START, zone)
    day += timedelta(days=1)
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return _at(day, WORK_START, zone)


def _same_wall_clock(local: datetime, zone: ZoneInfo) -> datetime:
    # Adding days to an aware datetime keeps its old UTC offset across a DST change.
    return local.replace(tzinfo=None).replace(tzinfo=zone)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return as_utc(datetime.combine(day, clock, tzinfo=zone))
