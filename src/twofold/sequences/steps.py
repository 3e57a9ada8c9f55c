"""The steps of a sequence: personal emails (sandboxed Jinja2, checked when saved), waits in
business days, and tasks for the rep (call, LinkedIn, manual email)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticError

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.messaging.channels import Channel
from twofold.messaging.templates import TemplateSources, check_sources

MAX_STEPS: Final = 30
MAX_BODY: Final = 10_000
TASK_LABELS: Final = {"call": "Call", "linkedin": "LinkedIn", "manual_email": "Email"}


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailStep(_Step):
    """A personal email from the sender: ``{{ person.first_name }}``, ``{{ sender.name }}``,
    ``{{ account.name }}``, ``{{ deal.name }}`` are there to personalise it."""

    type: Literal["email"]
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=MAX_BODY)


class WaitStep(_Step):
    """Wait this many business days (Monday to Friday in the sequence's time zone)."""

    type: Literal["wait"]
    business_days: int = Field(ge=1, le=60)


class TaskStep(_Step):
    """A task for the sender, due after ``due_business_days`` (0: the same day)."""

    type: Literal["task"]
    task: Literal["call", "linkedin", "manual_email"]
    subject: str = Field(min_length=1, max_length=400)
    note: str = Field(default="", max_length=5000)
    due_business_days: int = Field(default=0, ge=0, le=30)


Step = Annotated[EmailStep | WaitStep | TaskStep, Field(discriminator="type")]
_steps = TypeAdapter(list[Step])

# What email steps are trial-rendered with, beyond the messaging sample context.
SAMPLE_CONTEXT: Final = {
    "sender": {"name": "Rita Rep", "first_name": "Rita", "email": "rita@example.com"},
    "account": {"name": "Acme"},
    "deal": {"name": "Acme renewal"},
    "sequence": {"name": "Outbound"},
}


def parse_steps(raw: Any) -> list[EmailStep | WaitStep | TaskStep]:
    """Checked steps, or a ValidationFailed with the path of every problem
    (``steps.2.subject``), email templates included (syntax and a trial render)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed.on("steps", "a sequence needs at least one step")
    if len(raw) > MAX_STEPS:
        raise ValidationFailed.on("steps", f"at most {MAX_STEPS} steps")
    try:
        steps = _steps.validate_python(raw)
    except PydanticError as error:
        problems = [
            FieldProblem(".".join(["steps", *_path(item["loc"])]), item["msg"])
            for item in error.errors()
        ]
        raise ValidationFailed(
            f"{problems[0].field}: {problems[0].message}", details=problems
        ) from None
    problems = []
    for index, step in enumerate(steps):
        if isinstance(step, EmailStep):
            problems.extend(_template_problems(index, step))
    if problems:
        raise ValidationFailed(f"{problems[0].field}: {problems[0].message}", details=problems)
    return steps


_TAGS: Final = frozenset({"email", "wait", "task"})


def _path(location: tuple[int | str, ...]) -> list[str]:
    """``(2, "email", "subject")`` → ``["2", "subject"]``: the union's tag is no field."""
    parts = [str(part) for part in location]
    if len(parts) > 1 and parts[1] in _TAGS:
        del parts[1]
    return parts


def _template_problems(index: int, step: EmailStep) -> list[FieldProblem]:
    try:
        check_sources(Channel.EMAIL, TemplateSources(subject=step.subject, text=step.body))
    except ValidationFailed as refused:
        names = {"subject": "subject", "text": "body", "html": "body"}
        return [
            FieldProblem(f"steps.{index}.{names.get(p.field, p.field)}", p.message)
            for p in refused.details
        ]
    return []


def dump_steps(steps: list[EmailStep | WaitStep | TaskStep]) -> list[dict[str, Any]]:
    """The steps as stored (JSON)."""
    return [step.model_dump() for step in steps]


def describe(step: EmailStep | WaitStep | TaskStep) -> str:
    """One line for lists: ``Email: Quick question``, ``Wait 2 business days``."""
    if isinstance(step, EmailStep):
        return f"Email: {step.subject}"
    if isinstance(step, WaitStep):
        days = step.business_days
        return f"Wait {days} business day{'s' if days != 1 else ''}"
    return f"{TASK_LABELS[step.task]} task: {step.subject}"
