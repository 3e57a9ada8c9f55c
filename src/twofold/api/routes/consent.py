"""/api/v1/persons/{id}/consent and /api/v1/suppressions: consent per channel with its
history, and the list of addresses that must not be messaged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from twofold.api.dependencies import ApiUser, DbSession
from twofold.api.routes.support import Paging
from twofold.api.schemas.common import ListOut, OutModel
from twofold.core.errors import ValidationFailed
from twofold.core.inputs import InputModel
from twofold.messaging import consent, suppressions
from twofold.messaging.channels import Channel, ConsentStatus, SuppressionReason
from twofold.messaging.opt_in import start_double_opt_in
from twofold.persons.actions import get_person

router = APIRouter(tags=["consent"])

Status = Literal["subscribed", "unsubscribed", "never_subscribed"]


class ChannelConsentOut(BaseModel):
    """Consent on one channel."""

    status: str
    source: str | None
    changed_at: datetime | None


class ConsentChangeOut(OutModel):
    """One entry of the consent history."""

    id: int
    channel: str
    status: str
    source: str
    actor_id: int | None
    note: str
    changed_at: datetime


class ConsentOut(BaseModel):
    """A person's consent on every channel, and its history (newest first)."""

    person_id: int
    email: ChannelConsentOut
    sms: ChannelConsentOut
    push: ChannelConsentOut
    history: list[ConsentChangeOut]


class ConsentChangeIn(InputModel):
    """A new consent status and where it came from. ``double_opt_in`` (email, subscribed
    only): the status becomes ``pending`` and a confirmation email is queued."""

    status: Status
    source: str = Field(min_length=1, max_length=100, examples=["signup form"])
    note: str = Field(default="", max_length=2000)
    double_opt_in: bool = False


class ConsentUpdate(InputModel):
    """Changes for one or more channels."""

    email: ConsentChangeIn | None = None
    sms: ConsentChangeIn | None = None
    push: ConsentChangeIn | None = None


class SuppressionCreate(InputModel):
    """An address (email, E.164 phone, push token) that must not be messaged."""

    channel: Literal["email", "sms", "push"] = "email"
    address: str = Field(min_length=1, max_length=320)
    reason: Literal["hard_bounce", "complaint", "unsubscribe", "manual"] = "manual"
    note: str = Field(default="", max_length=2000)


class SuppressionOut(OutModel):
    """An entry of the suppression list."""

    id: int
    channel: str
    address: str
    reason: str
    note: str
    created_by_id: int | None
    created_at: datetime


def consent_out(session: DbSession, person_id: int) -> ConsentOut:
    """The consent document of a person."""
    current = consent.consent_of(session, person_id)
    channels = {
        channel.value: ChannelConsentOut(
            status=item.status.value, source=item.source, changed_at=item.changed_at
        )
        for channel, item in current.items()
    }
    history = [
        ConsentChangeOut.model_validate(change)
        for change in consent.consent_history(session, person_id)
    ]
    return ConsentOut(person_id=person_id, history=history, **channels)


@router.get("/persons/{person_id}/consent")
def read_consent(person_id: int, session: DbSession, _user: ApiUser) -> ConsentOut:
    """The person's consent on email, SMS and push, with the history of changes."""
    get_person(session, person_id)
    return consent_out(session, person_id)


@router.put("/persons/{person_id}/consent")
def update_consent(
    person_id: int,
    data: ConsentUpdate,
    session: DbSession,
    user: ApiUser,
) -> ConsentOut:
    """Record consent changes; channels left out stay as they are."""
    person = get_person(session, person_id)
    for channel in Channel:
        change: ConsentChangeIn | None = getattr(data, channel.value)
        if change is None:
            continue
        if change.double_opt_in:
            if channel is not Channel.EMAIL or change.status != "subscribed":
                raise ValidationFailed.on(
                    f"{channel.value}.double_opt_in", "is for subscribing to email"
                )
            start_double_opt_in(session, actor=user, person=person, source=change.source)
            continue
        consent.set_consent(
            session,
            actor=user,
            person=person,
            channel=channel,
            status=ConsentStatus(change.status),
            source=change.source,
            note=change.note,
        )
    return consent_out(session, person_id)


@router.get("/suppressions")
def list_suppressions(
    session: DbSession,
    user: ApiUser,
    paging: Paging,
    channel: Annotated[Literal["email", "sms", "push"] | None, Query()] = None,
) -> ListOut[SuppressionOut]:
    """The suppression list, newest first (admins and marketers)."""
    page = suppressions.list_suppressions(
        session, actor=user, channel=Channel(channel) if channel else None, page=paging
    )
    return ListOut(
        items=[SuppressionOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("/suppressions", status_code=status.HTTP_201_CREATED)
def create_suppression(
    data: SuppressionCreate, session: DbSession, user: ApiUser
) -> SuppressionOut:
    """Suppress an address (idempotent: an address already listed is answered as it is, with
    the stronger of the two reasons)."""
    entry = suppressions.suppress(
        session,
        channel=Channel(data.channel),
        address=data.address,
        reason=SuppressionReason(data.reason),
        actor=user,
        note=data.note,
    )
    return SuppressionOut.model_validate(entry)


@router.delete("/suppressions/{suppression_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_suppression(suppression_id: int, session: DbSession, user: ApiUser) -> None:
    """Take an address off the list."""
    suppressions.remove_suppression(session, actor=user, suppression_id=suppression_id)
