"""Message templates: sandboxed Jinja2 (HTML auto-escaped; subject and text not), checked
when saved so that a broken template is refused with its line, never found at send time."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Final

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from twofold.messaging.channels import Channel
from twofold.messaging.suppressions import ensure_can_manage_audience
from twofold.store.models import MessageTemplate, User

MAX_SOURCE_CHARACTERS: Final = 200_000
SMS_MAX_CHARACTERS: Final = 1_600  # ten concatenated segments


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, refusing unsafe attribute access at once (the stock sandbox answers
    an undefined value that only fails when used, which a lenient undefined would swallow)."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise SecurityError(f"access to {attribute!r} of {type(obj).__name__} is not allowed")


_html_environment = _Sandbox(autoescape=True, undefined=jinja2.ChainableUndefined)
_text_environment = _Sandbox(autoescape=False, undefined=jinja2.ChainableUndefined)


@dataclass(frozen=True)
class TemplateSources:
    """The three parts of a template; which are needed depends on the channel."""

    subject: str = ""
    html: str = ""
    text: str = ""


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one person."""

    subject: str
    html: str
    text: str


def sample_context() -> dict[str, Any]:
    """The context templates are trial-rendered with when saved."""
    return {
        "person": {
            "id": 1,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+15555550100",
            "traits": {},
        },
        "recommendations": [
            {"product_id": "p1", "name": "A product", "url": "https://example.com/p1",
             "image_url": None, "price": "10.00", "currency": "USD"}
        ],
        "data": {},
        "unsubscribe_url": "https://example.com/unsubscribe",
        "message_id": 1,
    }  # fmt: skip


def check_sources(channel: Channel, sources: TemplateSources) -> None:
    """Refuse (with every problem, each with its line) a template that cannot render."""
    problems: list[FieldProblem] = []
    required = {
        Channel.EMAIL: ("subject",),
        Channel.SMS: ("text",),
        Channel.PUSH: ("text",),
    }[channel]
    for field in ("subject", "html", "text"):
        source = getattr(sources, field)
        if field in required and not source.strip():
            problems.append(FieldProblem(field, f"a {channel.value} template needs a {field}"))
            continue
        if len(source) > MAX_SOURCE_CHARACTERS:
            problems.append(
                FieldProblem(field, f"may be at most {MAX_SOURCE_CHARACTERS} characters")
            )
            continue
        problem = _problem_in(field, source)
        if problem:
            problems.append(FieldProblem(field, problem))
    if channel is Channel.EMAIL and not (sources.html.strip() or sources.text.strip()):
        problems.append(FieldProblem("html", "an email template needs html or text"))
    if channel is not Channel.EMAIL and sources.html.strip():
        problems.append(FieldProblem("html", f"a {channel.value} template has no html"))
    if problems:
        raise ValidationFailed("the template cannot be used", details=problems)


def _problem_in(field: str, source: str) -> str | None:
    environment = _html_environment if field == "html" else _text_environment
    try:
        compiled = environment.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        return f"line {error.lineno}: {error.message}"
    try:
        compiled.render(sample_context())
    except Exception as error:  # noqa: BLE001 - any render failure is the template's problem
        line = _template_line(error.__traceback__)
        where = f"line {line}: " if line else ""
        return f"{where}{type(error).__name__}: {error}"
    return None


def _template_line(trace: types.TracebackType | None) -> int | None:
    """The template line a render error happened on (Jinja maps its frames to template
    lines, named ``<template>``)."""
    line = None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def render(template: MessageTemplate, context: dict[str, Any]) -> Rendered:
    """The template for one person; a render error at send time raises (the message fails)."""
    sources = TemplateSources(subject=template.subject, html=template.html, text=template.text)
    return render_sources(sources, context)


def render_sources(sources: TemplateSources, context: dict[str, Any]) -> Rendered:
    """Template parts rendered for one person (HTML auto-escaped; subject and text not)."""
    subject = (
        _text_environment.from_string(sources.subject).render(context) if sources.subject else ""
    )
    html = _html_environment.from_string(sources.html).render(context) if sources.html else ""
    text = _text_environment.from_string(sources.text).render(context) if sources.text else ""
    return Rendered(subject=" ".join(subject.split()), html=html, text=text)


def get_template(session: Session, template_id: int) -> MessageTemplate:
    """One template, or NotFound."""
    template = session.get(MessageTemplate, template_id)
    if template is None:
        raise NotFound(f"no message template {template_id}")
    return template


def list_templates(session: Session) -> list[MessageTemplate]:
    """Every template, by name."""
    return list(session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)))


def create_template(
    session: Session, *, actor: User, name: str, channel: Channel, sources: TemplateSources
) -> MessageTemplate:
    """A new template, checked (syntax, trial render, what the channel needs)."""
    ensure_can_manage_audience(actor)
    name = _check_name(session, name, current_id=None)
    check_sources(channel, sources)
    template = MessageTemplate(
        name=name,
        channel=channel.value,
        subject=sources.subject,
        html=sources.html,
        text=sources.text,
        created_by_id=actor.id,
    )
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session,
    *,
    actor: User,
    template_id: int,
    expected_version: int | None,
    name: str | None,
    sources: TemplateSources,
) -> MessageTemplate:
    """Replace a template's name and parts (checked like a new one)."""
    ensure_can_manage_audience(actor)
    template = get_template(session, template_id)
    if expected_version is not None and expected_version != template.version:
        raise PreconditionFailed(f"template {template_id} has changed (version {template.version})")
    if name is not None:
        template.name = _check_name(session, name, current_id=template.id)
    check_sources(Channel(template.channel), sources)
    template.subject, template.html, template.text = sources.subject, sources.html, sources.text
    session.flush()
    return template


def delete_template(session: Session, *, actor: User, template_id: int) -> None:
    """Remove a template; messages already queued with it fail rather than send blank."""
    ensure_can_manage_audience(actor)
    session.delete(get_template(session, template_id))


def _check_name(session: Session, name: str, *, current_id: int | None) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed.on("name", "a template needs a name of 1-200 characters")
    other = session.scalar(select(MessageTemplate.id).where(MessageTemplate.name == name))
    if other is not None and other != current_id:
        raise Conflict(f"a template named {name!r} already exists")
    return name
