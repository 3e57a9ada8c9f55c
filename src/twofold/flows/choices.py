"""What a flow's forms offer in their dropdowns: message templates per channel, segments of
people, static lists, pipeline stages, pipelines, and webhooks that accept flow data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.flows.outside import FLOW_WEBHOOK_EVENT
from twofold.store.models import (
    MessageTemplate,
    Pipeline,
    Segment,
    Stage,
    StaticList,
    WebhookSubscription,
)

Choices = list[tuple[str, str]]


@dataclass(frozen=True)
class FlowChoices:
    """``(id, label)`` pairs, ids as form values."""

    templates: dict[str, Choices]  # per channel: email, sms, push
    segments: Choices
    lists: Choices
    stages: Choices
    pipelines: Choices
    webhooks: Choices

    def name_of(self, kind: str, record_id: object) -> str | None:
        """The label of a chosen record (for the diagram), or ``None``."""
        found: Choices = getattr(self, kind, [])
        return next((label for value, label in found if value == str(record_id)), None)

    def template_name(self, record_id: object) -> str | None:
        """The name of a message template of any channel."""
        for choices in self.templates.values():
            for value, label in choices:
                if value == str(record_id):
                    return label
        return None


def flow_choices(session: Session) -> FlowChoices:
    """Everything a flow can name, each list ordered by name."""
    templates: dict[str, Choices] = {"email": [], "sms": [], "push": []}
    for template in session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)):
        templates.setdefault(template.channel, []).append((str(template.id), template.name))
    segments = session.execute(
        select(Segment.id, Segment.name).where(Segment.target == "persons").order_by(Segment.name)
    ).all()
    lists = session.execute(select(StaticList.id, StaticList.name).order_by(StaticList.name))
    stages = session.execute(
        select(Stage.id, Pipeline.name, Stage.name)
        .join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .order_by(Pipeline.name, Stage.position)
    ).all()
    pipelines = session.execute(select(Pipeline.id, Pipeline.name).order_by(Pipeline.name))
    webhooks = [
        (str(hook.id), hook.description or hook.url)
        for hook in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
        if FLOW_WEBHOOK_EVENT in hook.event_types
    ]
    return FlowChoices(
        templates=templates,
        segments=[(str(row_id), name) for row_id, name in segments],
        lists=[(str(row_id), name) for row_id, name in lists],
        stages=[(str(row_id), f"{pipeline}: {name}") for row_id, pipeline, name in stages],
        pipelines=[(str(row_id), name) for row_id, name in pipelines],
        webhooks=webhooks,
    )
