"""Sequences in the UI: the list (with a form for a new one), a sequence's editor (its steps
as forms; add, remove, reorder by number), its enrollments with pause/resume/stop, enrolling
from the person page, and "My tasks" (the signed-in user's open tasks due by today)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.activities.actions import get_activity, update_activity
from twofold.activities.schemas import ActivityUpdate
from twofold.api.dependencies import AppSettings
from twofold.auth.directory import user_names
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.sequences import actions, enrollments
from twofold.sequences.actions import SequenceCreate, SequenceUpdate
from twofold.sequences.steps import TASK_LABELS
from twofold.store.models import Activity, Person, SalesSequence
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()
STEP_FIELDS: Final = ("subject", "body", "business_days", "task", "note", "due_business_days")
NEW_STEPS: Final[dict[str, dict[str, Any]]] = {
    "email": {"type": "email", "subject": "", "body": ""},
    "wait": {"type": "wait", "business_days": 2},
    "task": {"type": "task", "task": "call", "subject": "", "note": "", "due_business_days": 0},
}
FIRST_EMAIL: Final = {
    "type": "email",
    "subject": "A question, {{ person.first_name }}",
    "body": "Hi {{ person.first_name }},\n\n…\n\n{{ sender.first_name }}",
}


@router.get("/sequences", include_in_schema=False)
def sequences_page(request: Request, session: DbSession, _user: WebUser) -> Response:
    """Every sequence with its owner and how many contacts are in it."""
    return _list_page(request, session, FormView())


@router.post("/sequences", include_in_schema=False)
def create_sequence_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    settings: AppSettings,
) -> Response:
    """A new sequence with a first email to edit."""
    problems = FormProblems()
    created: SalesSequence | None = None
    with problems.capture(session):
        data = SequenceCreate(
            name=form_text(form, "name"),
            timezone=form_text(form, "timezone") or None,
            steps=[FIRST_EMAIL],
        )
        created = actions.create_sequence(
            session, actor=user, data=data, default_timezone=settings.sending.default_timezone
        )
    if created is None:
        return _list_page(request, session, submitted(form, problems), problems.status)
    return see_other(f"/sequences/{created.id}")


@router.get("/sequences/{sequence_id}", include_in_schema=False)
def sequence_page(
    request: Request, session: DbSession, _user: WebUser, sequence_id: RecordId
) -> Response:
    """The editor and the sequence's enrollments."""
    sequence = actions.get_sequence(session, sequence_id)
    return _editor(request, session, sequence, _values_of(sequence), list(sequence.steps))


@router.post("/sequences/{sequence_id}", include_in_schema=False)
def save_sequence_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    sequence_id: RecordId,
) -> Response:
    """Save the editor (steps removed, reordered or added as asked), or show its problems."""
    sequence = actions.get_sequence(session, sequence_id)
    steps = steps_from_form(form)
    problems = FormProblems()
    step_errors: dict[int, list[str]] = {}
    with problems.capture(session):
        try:
            actions.update_sequence(
                session,
                actor=user,
                sequence=sequence,
                data=SequenceUpdate(
                    name=form_text(form, "name"),
                    description=form_text(form, "description"),
                    timezone=form_text(form, "timezone"),
                    status=form_text(form, "status") or None,
                    steps=steps,
                ),
                expected_version=parse_id(form_text(form, "version")),
            )
        except ValidationFailed as refused:
            step_errors = _by_step(refused)
            raise
    if problems:
        values = submitted(form, problems)
        return _editor(request, session, sequence, values, steps, step_errors, problems.status)
    return see_other(f"/sequences/{sequence.id}")


@router.post("/sequence-enrollments/{enrollment_id}/{action}", include_in_schema=False)
def change_enrollment_from_form(
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    enrollment_id: RecordId,
    action: str,
) -> Response:
    """Pause, resume or stop one enrollment, then go back where the button was."""
    enrollment = enrollments.get_enrollment(session, enrollment_id, lock=True)
    if action == "pause":
        enrollments.pause(session, actor=user, enrollment=enrollment)
    elif action == "resume":
        enrollments.resume(session, actor=user, enrollment=enrollment)
    elif action == "stop":
        enrollments.stop(session, actor=user, enrollment=enrollment, reason="stopped by a user")
    else:
        raise ValidationFailed.on("action", "must be pause, resume or stop")
    back = form_text(form, "back")
    return see_other(back if back.startswith("/") and not back.startswith("//") else "/sequences")


@router.post("/people/{person_id}/sequences", include_in_schema=False)
def enroll_from_person_page(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    person_id: RecordId,
) -> Response:
    """Enrol the person in the chosen sequence (for a deal, optionally)."""
    sequence_id = parse_id(form_text(form, "sequence_id"))
    if sequence_id is None:
        raise ValidationFailed.on("sequence_id", "choose a sequence")
    sequence = actions.get_sequence(session, sequence_id)
    enrollments.enroll(
        session,
        actor=user,
        sequence=sequence,
        person_id=person_id,
        deal_id=parse_id(form_text(form, "deal_id")),
    )
    worker = getattr(request.app.state, "messaging", None)
    if worker is not None:
        worker.wake()
    return see_other(f"/people/{person_id}#sequences")


@router.get("/my-tasks", include_in_schema=False)
def my_tasks_page(
    request: Request, session: DbSession, user: WebUser, settings: AppSettings
) -> Response:
    """The user's open tasks due by the end of today (overdue first), sequence tasks too."""
    zone = ZoneInfo(settings.sending.default_timezone)
    today = utcnow().astimezone(zone).date()
    end_of_day = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    tasks = list(
        session.scalars(
            select(Activity)
            .where(
                Activity.kind == "task",
                Activity.owner_id == user.id,
                Activity.done_at.is_(None),
                Activity.due_at < end_of_day,
            )
            .order_by(Activity.due_at, Activity.id)
            .limit(200)
        )
    )
    context = {"tasks": tasks, "today": today, "now": utcnow()}
    return render(request, "sequences/tasks.html", context)


@router.post("/my-tasks/{activity_id}/done", include_in_schema=False)
def finish_task(session: DbSession, user: WebFormUser, activity_id: RecordId) -> Response:
    """Mark one of the tasks done."""
    activity = get_activity(session, activity_id)
    update_activity(session, actor=user, activity=activity, data=ActivityUpdate(done=True))
    return see_other("/my-tasks")


def person_sequences(session: Session, person: Person) -> dict[str, Any]:
    """The person page's panel: their enrollments and the sequences they can be put in."""
    return {
        "enrollments": enrollments.list_enrollments(session, person_id=person.id, limit=20),
        "sequence_choices": [
            (str(sequence.id), sequence.name)
            for sequence in actions.list_sequences(session)
            if sequence.status == "active"
        ],
        "task_labels": TASK_LABELS,
    }


def steps_from_form(form: FormData) -> list[dict[str, Any]]:
    """The editor's steps: ``step-N-*`` fields, ordered by ``step-N-position``, without the
    removed ones, plus a new step when one was asked for."""
    count = parse_id(form_text(form, "step_count")) or 0
    rows: list[tuple[float, dict[str, Any]]] = []
    for index in range(min(count, 100)):
        prefix = f"step-{index}-"
        if form_text(form, prefix + "remove"):
            continue
        step: dict[str, Any] = {"type": form_text(form, prefix + "type")}
        for name in STEP_FIELDS:
            if (prefix + name) in form:
                step[name] = form_text(form, prefix + name)
        rows.append((_position(form_text(form, prefix + "position"), index), step))
    steps = [step for _position_key, step in sorted(rows, key=lambda row: row[0])]
    added = form_text(form, "add_step")
    if added in NEW_STEPS:
        steps.append(dict(NEW_STEPS[added]))
    return steps


def _position(text: str, index: int) -> float:
    try:
        return float(text) - 0.5 + index / 1000  # a moved step goes before the one it names
    except ValueError:
        return float(index + 1)


def _by_step(refused: ValidationFailed) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in refused.details:
        parts = problem.field.split(".")
        if len(parts) >= 2 and parts[0] == "steps" and parts[1].isdigit():
            where = ".".join(parts[2:]) or "step"
            found.setdefault(int(parts[1]), []).append(f"{where}: {problem.message}")
    return found


def _values_of(sequence: SalesSequence) -> FormView:
    return FormView(
        values={
            "name": sequence.name,
            "description": sequence.description,
            "timezone": sequence.timezone,
            "status": sequence.status,
            "version": str(sequence.version),
        }
    )


def _editor(
    request: Request,
    session: Session,
    sequence: SalesSequence,
    form: FormView,
    steps: list[dict[str, Any]],
    step_errors: dict[int, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    views = enrollments.list_enrollments(session, sequence_id=sequence.id)
    names = {
        person.id: f"{person.first_name} {person.last_name}".strip()
        for person in session.scalars(
            select(Person).where(Person.id.in_([view.enrollment.person_id for view in views]))
        )
    }
    context = {
        "sequence": sequence,
        "form": form,
        "steps": steps,
        "step_errors": step_errors or {},
        "task_labels": TASK_LABELS,
        "enrollments": views,
        "person_names": names,
        "owners": user_names(session, [sequence.owner_id]),
    }
    return render(request, "sequences/edit.html", context, status_code=status_code)


def _list_page(
    request: Request, session: Session, form: FormView, status_code: int = 200
) -> Response:
    sequences = actions.list_sequences(session)
    context = {
        "sequences": sequences,
        "counts": actions.enrollment_counts(session),
        "owners": user_names(session, [sequence.owner_id for sequence in sequences]),
        "form": form,
    }
    return render(request, "sequences/list.html", context, status_code=status_code)
