"""Input shapes of web forms, shared by the API and the web UI."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from twofold.core.inputs import InputModel


class FormFields(InputModel):
    """Fields a form can be written with (all optional for PATCH)."""

    description: str | None = Field(default=None, max_length=2000)
    fields: list[dict[str, Any]] | None = Field(
        default=None,
        examples=[[{"name": "email", "type": "email"}, {"name": "company", "required": True}]],
    )
    redirect_url: str | None = Field(
        default=None, description="where a browser goes after submitting (else a thank-you page)"
    )
    consent_text: str | None = Field(
        default=None,
        max_length=500,
        description="shows a consent checkbox; ticked means email consent 'subscribed'",
    )
    active: bool | None = None
    limit_per_address: int | None = Field(
        default=None, ge=1, le=10_000, description="submissions per hour from one address"
    )
    limit_per_form: int | None = Field(
        default=None, ge=1, le=1_000_000, description="submissions per hour in total"
    )


class FormCreate(FormFields):
    """A new form; a name and its fields are required."""

    name: str = Field(min_length=1, max_length=200, examples=["Contact sales"])
    fields: list[dict[str, Any]] | None = Field(
        default=None, examples=[[{"name": "email", "type": "email"}]]
    )


class FormUpdate(FormFields):
    """A partial update."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
