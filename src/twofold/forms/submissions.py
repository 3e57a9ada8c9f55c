"""The public submission path: check the values, drop honeypot hits, capture the lead,
record consent, store the submission, write the timelines, score — in one transaction."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.forms.fields import LEAD_FIELDS, clean_submission, stored_fields
from twofold.leads.capture import LeadInput, capture_lead
from twofold.leads.scoring import rescore_leads
from twofold.messaging.channels import Channel, ConsentStatus
from twofold.messaging.consent import MAX_SOURCE_LENGTH, set_consent
from twofold.store.models import FormSubmission, WebForm
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines


@dataclass(frozen=True)
class Visitor:
    """Who submitted, as far as the request tells: kept hashed or truncated."""

    address: str
    page_url: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class SubmitResult:
    """The stored submission (``None`` for a honeypot hit, which is answered alike)."""

    submission: FormSubmission | None


def address_hash(secret_key: str, address: str) -> str:
    """The client address as an HMAC under the installation secret: equal addresses are
    recognisable in the log, yet no address is stored."""
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


def submit_form(
    session: Session,
    store: EventStore | None,
    *,
    form: WebForm,
    submitted: Mapping[str, Any],
    visitor: Visitor,
    secret_key: str,
    now: datetime | None = None,
) -> SubmitResult:
    """Accept one submission of ``form`` (``ValidationFailed`` lists every bad field)."""
    clean = clean_submission(
        stored_fields(form.fields), submitted, has_consent=form.consent_text is not None
    )
    if clean.honeypot_filled:
        return SubmitResult(submission=None)
    values = clean.values
    lead_values = {name: values.get(name) for name in LEAD_FIELDS}
    captured = capture_lead(
        session,
        actor=None,
        data=LeadInput(
            **{key: value for key, value in lead_values.items() if value is not None},
            source="form",
            form_id=form.id,
            fields=values,
        ),
        now=now,
    )
    if clean.consent_given:
        set_consent(
            session,
            actor=None,
            person=captured.person,
            channel=Channel.EMAIL,
            status=ConsentStatus.SUBSCRIBED,
            source=f"form: {form.name}"[:MAX_SOURCE_LENGTH],
            note=form.consent_text or "",
        )
    submission = FormSubmission(
        form_id=form.id,
        person_id=captured.person.id,
        lead_id=captured.lead.id,
        values=values,
        consent_given=clean.consent_given,
        address_hash=address_hash(secret_key, visitor.address),
        page_url=(visitor.page_url or "")[:2000] or None,
        user_agent=(visitor.user_agent or "")[:300] or None,
        submitted_at=now or utcnow(),
    )
    session.add(submission)
    session.flush()
    append_to_timelines(
        session,
        actor=None,
        # Not on the form's own timeline: form_submissions is that log.
        records=[(RecordType.LEAD, captured.lead.id), (RecordType.PERSON, captured.person.id)],
        kind=kinds.FORM_SUBMITTED,
        summary=f"Submitted the form {form.name}",
        at=now,
        changes={
            "submission_id": submission.id,
            "form_id": form.id,
            "consent": clean.consent_given,
        },
    )
    rescore_leads(session, store, [captured.lead], now=now)
    return SubmitResult(submission=submission)


def recent_submissions(session: Session, form_id: int, *, limit: int = 50) -> list[FormSubmission]:
    """A form's latest submissions, newest first."""
    query = (
        select(FormSubmission)
        .where(FormSubmission.form_id == form_id)
        .order_by(FormSubmission.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
