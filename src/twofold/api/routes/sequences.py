"""/api/v1/sequences and /api/v1/sequence-enrollments: sales sequences (steps checked on
save), enrolling contacts, pausing, resuming and stopping them; and the inbound-email secret
(decision 0023). The inbound endpoint itself is ``api/inbound.py`` (signed, no API key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.common import ListOut, OutModel
from twofold.auth.permissions import ensure_admin
from twofold.core.inputs import InputModel
from twofold.sequences import actions, enrollments
from twofold.sequences.actions import SequenceCreate, SequenceUpdate
from twofold.sequences.enrollments import EnrollmentView
from twofold.sequences.replies import inbound_secret
from twofold.store.models import SalesSequence

router = APIRouter(tags=["sequences"])
EnrollmentStatus = Literal["active", "paused", "completed", "stopped"]


class SequenceOut(OutModel):
    """A sequence, its steps and how many contacts are in each status."""

    id: int
    name: str
    description: str
    status: str
    timezone: str
    owner_id: int | None
    steps: list[dict[str, Any]]
    enrollments: dict[str, int] = Field(default_factory=dict)
    version: int
    created_at: datetime
    updated_at: datetime


class EnrollmentIn(InputModel):
    """Enrol a contact, optionally for a deal."""

    person_id: int = Field(ge=1, le=2**63 - 1)
    deal_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class StepVisitOut(OutModel):
    """A step the enrollment executed."""

    position: int
    kind: str
    outcome: str
    message_id: int | None
    activity_id: int | None
    executed_at: datetime


class EnrollmentOut(BaseModel):
    """Where a contact stands in a sequence."""

    id: int
    sequence_id: int
    sequence_name: str
    person_id: int
    deal_id: int | None
    sender_id: int | None
    status: str
    stop_reason: str | None
    position: int
    steps_total: int
    next_step: str | None
    due_at: datetime | None
    enrolled_at: datetime
    ended_at: datetime | None
    executed: list[StepVisitOut] | None = None


class InboundSecretOut(BaseModel):
    """How to sign posts to ``POST /api/v1/inbound/email``."""

    secret: str
    signature_header: str = "X-Twofold-Signature"
    scheme: str = "t=<unix seconds>, v1=<hex HMAC-SHA256(secret, '<t>.' + raw body)>"


def sequence_out(sequence: SalesSequence, counts: dict[str, int] | None = None) -> SequenceOut:
    out = SequenceOut.model_validate(sequence)
    out.enrollments = counts or {}
    return out


def enrollment_out(
    view: EnrollmentView, executed: list[StepVisitOut] | None = None
) -> EnrollmentOut:
    enrollment = view.enrollment
    return EnrollmentOut(
        id=enrollment.id,
        sequence_id=enrollment.sequence_id,
        sequence_name=view.sequence.name,
        person_id=enrollment.person_id,
        deal_id=enrollment.deal_id,
        sender_id=enrollment.sender_id,
        status=enrollment.status,
        stop_reason=enrollment.stop_reason,
        position=enrollment.position,
        steps_total=view.steps_total,
        next_step=view.next_step,
        due_at=enrollment.due_at,
        enrolled_at=enrollment.enrolled_at,
        ended_at=enrollment.ended_at,
        executed=executed,
    )


def _wake(request: Request) -> None:
    worker = getattr(request.app.state, "messaging", None)
    if worker is not None:
        worker.wake()


@router.get("/sequences")
def list_sequences(session: DbSession, owner_id: int | None = None) -> ListOut[SequenceOut]:
    """Every sequence by name (optionally one owner's)."""
    counts = actions.enrollment_counts(session)
    items = [
        sequence_out(sequence, counts.get(sequence.id))
        for sequence in actions.list_sequences(session, owner_id=owner_id)
    ]
    return ListOut(items=items, next_cursor=None)


@router.post("/sequences", status_code=status.HTTP_201_CREATED)
def create_sequence(
    data: SequenceCreate,
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    response: Response,
) -> SequenceOut:
    """A new sequence (422 with the path of every problem in its steps)."""
    sequence = actions.create_sequence(
        session, actor=user, data=data, default_timezone=settings.sending.default_timezone
    )
    set_etag(response, sequence.version)
    return sequence_out(sequence)


@router.get("/sequences/{sequence_id}")
def read_sequence(sequence_id: int, session: DbSession, response: Response) -> SequenceOut:
    """One sequence."""
    sequence = actions.get_sequence(session, sequence_id)
    set_etag(response, sequence.version)
    return sequence_out(sequence, actions.enrollment_counts(session).get(sequence.id))


@router.patch("/sequences/{sequence_id}")
def update_sequence(
    sequence_id: int,
    data: SequenceUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> SequenceOut:
    """Change a sequence (``status``: ``active`` or ``paused``); ``If-Match`` guards edits."""
    sequence = actions.get_sequence(session, sequence_id)
    actions.update_sequence(
        session, actor=user, sequence=sequence, data=data, expected_version=expected_version
    )
    set_etag(response, sequence.version)
    return sequence_out(sequence, actions.enrollment_counts(session).get(sequence.id))


@router.delete("/sequences/{sequence_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sequence(sequence_id: int, session: DbSession, user: ApiUser) -> None:
    """Delete a sequence nobody is enrolled in any more."""
    actions.delete_sequence(
        session, actor=user, sequence=actions.get_sequence(session, sequence_id)
    )


@router.post("/sequences/{sequence_id}/enrollments", status_code=status.HTTP_201_CREATED)
def enroll(
    sequence_id: int, data: EnrollmentIn, request: Request, session: DbSession, user: ApiUser
) -> EnrollmentOut:
    """Enrol a contact (refused without an email address, when suppressed or unsubscribed,
    and when already enrolled); the first step runs at once."""
    sequence = actions.get_sequence(session, sequence_id)
    enrollment = enrollments.enroll(
        session, actor=user, sequence=sequence, person_id=data.person_id, deal_id=data.deal_id
    )
    _wake(request)
    return enrollment_out(enrollments.view_of(enrollment, sequence))


@router.get("/sequences/{sequence_id}/enrollments")
def sequence_enrollments(
    sequence_id: int,
    session: DbSession,
    status_: Annotated[EnrollmentStatus | None, Query(alias="status")] = None,
) -> ListOut[EnrollmentOut]:
    """The sequence's enrollments, newest first (the latest 200)."""
    actions.get_sequence(session, sequence_id)
    views = enrollments.list_enrollments(session, sequence_id=sequence_id, status=status_)
    return ListOut(items=[enrollment_out(view) for view in views], next_cursor=None)


@router.get("/sequence-enrollments")
def list_enrollments(
    session: DbSession,
    person_id: int | None = None,
    status_: Annotated[EnrollmentStatus | None, Query(alias="status")] = None,
) -> ListOut[EnrollmentOut]:
    """Enrollments, newest first (the latest 200), e.g. of one person."""
    views = enrollments.list_enrollments(session, person_id=person_id, status=status_)
    return ListOut(items=[enrollment_out(view) for view in views], next_cursor=None)


@router.get("/sequence-enrollments/{enrollment_id}")
def read_enrollment(enrollment_id: int, session: DbSession) -> EnrollmentOut:
    """One enrollment with the steps it executed."""
    return _enrollment_answer(session, enrollment_id)


@router.post("/sequence-enrollments/{enrollment_id}/{action}")
def change_enrollment(
    enrollment_id: int,
    action: Literal["pause", "resume", "stop"],
    request: Request,
    session: DbSession,
    user: ApiUser,
) -> EnrollmentOut:
    """``pause`` holds it where it is, ``resume`` goes on, ``stop`` ends it (reason manual)."""
    enrollment = enrollments.get_enrollment(session, enrollment_id, lock=True)
    if action == "pause":
        enrollments.pause(session, actor=user, enrollment=enrollment)
    elif action == "resume":
        enrollments.resume(session, actor=user, enrollment=enrollment)
        _wake(request)
    else:
        enrollments.stop(session, actor=user, enrollment=enrollment, reason="stopped by a user")
    return _enrollment_answer(session, enrollment_id)


@router.get("/inbound/email/secret")
def read_inbound_secret(user: ApiUser, settings: AppSettings) -> InboundSecretOut:
    """The secret that signs posts to the inbound endpoint (admins)."""
    ensure_admin(user)
    return InboundSecretOut(secret=inbound_secret(settings.secret_key))


def _enrollment_answer(session: DbSession, enrollment_id: int) -> EnrollmentOut:
    enrollment = enrollments.get_enrollment(session, enrollment_id)
    sequence = actions.get_sequence(session, enrollment.sequence_id)
    executed = [
        StepVisitOut.model_validate(visit)
        for visit in enrollments.visits_of(session, enrollment_id)
    ]
    return enrollment_out(enrollments.view_of(enrollment, sequence), executed)
