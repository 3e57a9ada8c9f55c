"""Input shapes for persons."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from twofold.core.enums import LifecycleStage
from twofold.core.inputs import InputModel


class PersonFields(InputModel):
    """Fields a person can be written with (all optional for PATCH)."""

    first_name: str | None = Field(default=None, max_length=200, examples=["Ada"])
    last_name: str | None = Field(default=None, max_length=200, examples=["Lovelace"])
    emails: list[str] | None = Field(default=None, max_length=20, examples=[["ada@acme.com"]])
    phones: list[str] | None = Field(default=None, max_length=20, examples=[["+31 20 123 4567"]])
    phone_region: str | None = Field(
        default=None, description="ISO country for numbers written without +", examples=["NL"]
    )
    title: str | None = Field(default=None, max_length=200, examples=["VP Engineering"])
    owner_id: int | None = None
    lifecycle_stage: LifecycleStage | None = None
    traits: dict[str, Any] | None = Field(default=None, examples=[{"plan": "pro"}])
    custom: dict[str, Any] | None = None


class PersonCreate(PersonFields):
    """A new person: a name or an email is required."""


class PersonUpdate(PersonFields):
    """A partial update: only the fields present change; ``traits`` are merged key by key."""
