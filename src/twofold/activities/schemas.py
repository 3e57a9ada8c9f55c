"""Input shapes for activities."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from twofold.core.enums import ActivityKind
from twofold.core.inputs import InputModel


class ActivityFields(InputModel):
    """Fields an activity can be written with (all optional for PATCH)."""

    body: str | None = Field(default=None, max_length=100_000)
    occurred_at: datetime | None = None
    due_at: datetime | None = None
    done: bool | None = Field(default=None, description="marks a task done (or not done)")
    outcome: str | None = Field(default=None, max_length=200, examples=["interested"])
    objections: list[str] | None = Field(default=None, examples=[["price too high"]])
    competitor_mentions: list[str] | None = None
    owner_id: int | None = None
    account_ids: list[int] | None = None
    person_ids: list[int] | None = None
    deal_ids: list[int] | None = None


class ActivityCreate(ActivityFields):
    """A new activity, linked to any number of accounts, persons and deals."""

    kind: ActivityKind
    subject: str = Field(min_length=1, max_length=500, examples=["Discovery call"])


class ActivityUpdate(ActivityFields):
    """A partial update of an activity."""

    subject: str | None = Field(default=None, min_length=1, max_length=500)
