"""Consent on the person page: the state per channel, the latest changes, and a form to
record a change (with where it came from)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from twofold.core.errors import ValidationFailed
from twofold.messaging.channels import Channel, ConsentStatus
from twofold.messaging.consent import set_consent
from twofold.persons.actions import get_person
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, form_text
from twofold.web.pages.shared import RecordId, see_other

router = APIRouter()
SETTABLE = (ConsentStatus.SUBSCRIBED, ConsentStatus.UNSUBSCRIBED, ConsentStatus.NEVER_SUBSCRIBED)


@router.post("/people/{person_id}/consent", include_in_schema=False)
def change_consent(
    session: DbSession, user: WebFormUser, form: SubmittedForm, person_id: RecordId
) -> Response:
    """Record a consent change from the page, then show the person again."""
    person = get_person(session, person_id)
    try:
        channel = Channel(form_text(form, "channel"))
        status = ConsentStatus(form_text(form, "status"))
    except ValueError:
        raise ValidationFailed.on("status", "choose a channel and a status") from None
    if status not in SETTABLE:
        raise ValidationFailed.on("status", "choose subscribed, unsubscribed or never subscribed")
    set_consent(
        session,
        actor=user,
        person=person,
        channel=channel,
        status=status,
        source=form_text(form, "source"),
    )
    return see_other(f"/people/{person_id}#consent")
