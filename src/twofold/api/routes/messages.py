"""/api/v1/message-templates, /api/v1/messages and /api/v1/email/bounces: templates (checked
when saved, with the line of any error), queued messages and what became of them, and
bounces or complaints posted back by the mail system."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from twofold.api.dependencies import (
    ApiUser,
    AppSettings,
    DbSession,
    EventIngestion,
    ExpectedVersion,
)
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut, OutModel, RecordOut
from twofold.core.inputs import InputModel
from twofold.messaging import outbox, templates
from twofold.messaging.bounces import record_bounce
from twofold.messaging.channels import Channel, OnLimit, Purpose
from twofold.messaging.preview import preview_for_person
from twofold.messaging.suppressions import ensure_can_manage_audience
from twofold.persons.actions import get_person

router = APIRouter(tags=["messaging"])
ChannelName = Literal["email", "sms", "push"]


class TemplateCreate(InputModel):
    """A template: ``subject`` (email subject, push title), ``html`` (email), ``text``."""

    name: str = Field(min_length=1, max_length=200)
    channel: ChannelName = "email"
    subject: str = ""
    html: str = ""
    text: str = ""


class TemplateUpdate(InputModel):
    """New parts for a template (parts left out are kept)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = None
    html: str | None = None
    text: str | None = None


class TemplateOut(RecordOut):
    """A stored template."""

    name: str
    channel: str
    subject: str
    html: str
    text: str
    created_by_id: int | None


class PreviewIn(InputModel):
    """Render a template for one person, with optional message variables."""

    person_id: int
    variables: dict[str, Any] = Field(default_factory=dict)


class PreviewOut(BaseModel):
    """The rendered parts (links not yet tracked)."""

    subject: str
    html: str
    text: str


class MessageCreate(InputModel):
    """Queue a message to a person. ``idempotency_key``: the same key never queues twice.
    ``on_limit``: over a frequency cap or in quiet hours, ``delay`` or ``drop``."""

    person_id: int
    template_id: int
    channel: ChannelName = "email"
    purpose: Literal["marketing", "transactional"] = "marketing"
    variables: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    on_limit: Literal["delay", "drop"] = "delay"
    not_before: datetime | None = None


class MessageOut(OutModel):
    """A message and what became of it."""

    id: int
    idempotency_key: str
    person_id: int
    channel: str
    purpose: str
    template_id: int | None
    status: str
    reason: str
    address: str | None
    subject: str
    attempts: int
    not_before: datetime
    provider_id: str | None
    created_at: datetime
    sent_at: datetime | None


class BounceIn(InputModel):
    """A bounce or complaint reported by the mail system: hard bounces and complaints
    suppress the address, soft bounces are only recorded on the message."""

    email: str = Field(min_length=3, max_length=320)
    type: Literal["hard", "soft", "complaint"]
    message_id: int | None = None
    diagnostic: str = Field(default="", max_length=2000)


class BounceOut(BaseModel):
    """What the bounce changed."""

    email: str
    type: str
    suppressed: bool
    unsubscribed_persons: int


@router.get("/message-templates")
def list_templates(session: DbSession, user: ApiUser) -> ListOut[TemplateOut]:
    """Every template, by name."""
    ensure_can_manage_audience(user)
    items = [TemplateOut.model_validate(item) for item in templates.list_templates(session)]
    return ListOut(items=items, next_cursor=None)


@router.post("/message-templates", status_code=status.HTTP_201_CREATED)
def create_template(
    data: TemplateCreate, session: DbSession, user: ApiUser, response: Response
) -> TemplateOut:
    """A new template; syntax errors and failing trial renders answer 422 with the line."""
    template = templates.create_template(
        session,
        actor=user,
        name=data.name,
        channel=Channel(data.channel),
        sources=templates.TemplateSources(subject=data.subject, html=data.html, text=data.text),
    )
    set_etag(response, template.version)
    return TemplateOut.model_validate(template)


@router.get("/message-templates/{template_id}")
def read_template(
    template_id: int, session: DbSession, user: ApiUser, response: Response
) -> TemplateOut:
    """One template."""
    ensure_can_manage_audience(user)
    template = templates.get_template(session, template_id)
    set_etag(response, template.version)
    return TemplateOut.model_validate(template)


@router.patch("/message-templates/{template_id}")
def update_template(
    template_id: int,
    data: TemplateUpdate,
    session: DbSession,
    user: ApiUser,
    expected: ExpectedVersion,
    response: Response,
) -> TemplateOut:
    """Change a template (checked like a new one); ``If-Match`` guards concurrent edits."""
    current = templates.get_template(session, template_id)
    template = templates.update_template(
        session,
        actor=user,
        template_id=template_id,
        expected_version=expected,
        name=data.name,
        sources=templates.TemplateSources(
            subject=current.subject if data.subject is None else data.subject,
            html=current.html if data.html is None else data.html,
            text=current.text if data.text is None else data.text,
        ),
    )
    session.flush()
    set_etag(response, template.version)
    return TemplateOut.model_validate(template)


@router.delete("/message-templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_template(template_id: int, session: DbSession, user: ApiUser) -> None:
    """Remove a template."""
    templates.delete_template(session, actor=user, template_id=template_id)


@router.post("/message-templates/{template_id}/preview")
def preview_template(
    template_id: int,
    data: PreviewIn,
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    ingestion: EventIngestion,
) -> PreviewOut:
    """The template rendered for a chosen person (nothing is queued or sent)."""
    rendered = preview_for_person(
        session,
        ingestion.store,
        actor=user,
        template=templates.get_template(session, template_id),
        person=get_person(session, data.person_id),
        settings=settings,
        variables=data.variables,
    )
    return PreviewOut(subject=rendered.subject, html=rendered.html, text=rendered.text)


@router.post("/messages", status_code=status.HTTP_201_CREATED)
def create_message(
    data: MessageCreate, request: Request, session: DbSession, user: ApiUser, response: Response
) -> MessageOut:
    """Queue a message. Consent, suppression, caps and quiet hours are applied when it is
    sent; its ``status`` and ``reason`` tell what happened. A known key answers 200."""
    message, created = outbox.enqueue(
        session,
        actor=user,
        person_id=data.person_id,
        channel=Channel(data.channel),
        purpose=Purpose(data.purpose),
        template_id=data.template_id,
        variables=data.variables,
        idempotency_key=data.idempotency_key,
        on_limit=OnLimit(data.on_limit),
        not_before=data.not_before,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    worker = getattr(request.app.state, "messaging", None)
    if worker is not None:
        worker.wake()
    return MessageOut.model_validate(message)


@router.get("/messages")
def list_messages(
    session: DbSession,
    user: ApiUser,
    paging: Paging,
    person_id: int | None = None,
    status_: Annotated[
        Literal["queued", "sending", "sent", "failed", "blocked", "dropped"] | None,
        Query(alias="status"),
    ] = None,
) -> ListOut[MessageOut]:
    """Messages, newest first."""
    page = outbox.list_messages(
        session, actor=user, person_id=person_id, status=status_, page=paging
    )
    return ListOut(
        items=[MessageOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/messages/{message_id}")
def read_message(message_id: int, session: DbSession, user: ApiUser) -> MessageOut:
    """One message."""
    ensure_can_manage_audience(user)
    return MessageOut.model_validate(outbox.get_message(session, message_id))


@router.post("/email/bounces")
def post_bounce(data: BounceIn, session: DbSession, user: ApiUser) -> BounceOut:
    """Report a bounce or complaint (admins and marketers: an integration's key)."""
    result = record_bounce(
        session,
        actor=user,
        email=data.email,
        kind=data.type,
        message_id=data.message_id,
        diagnostic=data.diagnostic,
    )
    return BounceOut(
        email=result.email,
        type=data.type,
        suppressed=result.suppressed,
        unsubscribed_persons=result.unsubscribed_persons,
    )
