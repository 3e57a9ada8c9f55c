"""What a flow names must exist: its segment, stage or pipeline, templates, webhook, lists —
checked when it is saved and again when it is activated. Activation also starts each trigger
feed at "now" (a flow does not replay history)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.errors import FieldProblem
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.flows.definition import Step
from twofold.flows.outside import FLOW_WEBHOOK_EVENT
from twofold.flows.trigger_definitions import Trigger
from twofold.flows.triggers import feed_heads
from twofold.store.models import (
    DealStageVisit,
    Flow,
    FormSubmission,
    MessageTemplate,
    Pipeline,
    Segment,
    Stage,
    StaticList,
    WebForm,
    WebhookSubscription,
)

CHANNELS = {"send_email": "email", "send_sms": "sms", "send_push": "push"}


def trigger_reference_problems(session: Session, trigger: Trigger) -> list[FieldProblem]:
    """The trigger's segment, stage or pipeline, if it names one that does not exist."""
    path = "flow.trigger"
    if trigger.segment_id is not None:
        segment = session.get(Segment, trigger.segment_id)
        if segment is None or segment.target != "persons":
            return [
                FieldProblem(f"{path}.segment_id", f"no segment of people {trigger.segment_id}")
            ]
    if trigger.stage_id is not None and session.get(Stage, trigger.stage_id) is None:
        return [FieldProblem(f"{path}.stage_id", f"no stage {trigger.stage_id}")]
    if trigger.pipeline_id is not None and session.get(Pipeline, trigger.pipeline_id) is None:
        return [FieldProblem(f"{path}.pipeline_id", f"no pipeline {trigger.pipeline_id}")]
    if trigger.form_id is not None and session.get(WebForm, trigger.form_id) is None:
        return [FieldProblem(f"{path}.form_id", f"no web form {trigger.form_id}")]
    return []


def step_reference_problems(session: Session, step: Step) -> list[FieldProblem]:
    """The step's template, webhook or list, if it does not exist (or does not fit)."""
    path = f"flow.steps.{step.id}"
    if step.type in CHANNELS:
        template = session.get(MessageTemplate, step.settings["template_id"])
        if template is None or template.channel != CHANNELS[step.type]:
            message = f"no {CHANNELS[step.type]} template {step.settings['template_id']}"
            return [FieldProblem(f"{path}.template_id", message)]
    if step.type == "webhook":
        subscription = session.get(WebhookSubscription, step.settings["webhook_id"])
        if subscription is None:
            return [FieldProblem(f"{path}.webhook_id", f"no webhook {step.settings['webhook_id']}")]
        if FLOW_WEBHOOK_EVENT not in subscription.event_types:
            message = (
                f"webhook {subscription.id} does not accept {FLOW_WEBHOOK_EVENT} (an admin adds it)"
            )
            return [FieldProblem(f"{path}.webhook_id", message)]
    if (
        step.type in {"add_to_list", "remove_from_list"}
        and session.get(StaticList, step.settings["list_id"]) is None
    ):
        return [FieldProblem(f"{path}.list_id", f"no list {step.settings['list_id']}")]
    return []


def start_trigger_positions(
    session: Session, store: EventStore, flow: Flow, trigger: Trigger
) -> None:
    """Start every trigger feed at now: events, transitions, stage changes and form
    submissions seen so far are history; date triggers begin with today's dates. A form flow
    keeps its submissions watermark in ``stage_watermark`` (a flow has one trigger)."""
    flow.event_watermark, flow.transition_watermark = feed_heads(store)
    newest = FormSubmission.id if trigger.type == "form" else DealStageVisit.id
    flow.stage_watermark = int(session.scalar(select(func.max(newest))) or 0)
    flow.dates_checked_through = utcnow().date() - timedelta(days=1)
