"""The flow's diagram as the page draws it: the layered layout (``flows.layout``) with, on
each box, what it does in words, its counts (entered, waiting, done) and the conversions the
attribution report gives its messages, and the link that opens its form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from twofold.flows.attribution import FlowReport
from twofold.flows.choices import FlowChoices
from twofold.flows.definition import FlowDefinition, Step
from twofold.flows.layout import TRIGGER_ID, Box, Diagram, layered_layout
from twofold.flows.trigger_definitions import Trigger

MAX_LINE = 30


@dataclass(frozen=True)
class DrawnBox:
    box: Box
    title: str
    detail: str
    counts: str
    conversions: str
    href: str


def drawn_diagram(
    flow_id: int,
    definition: FlowDefinition,
    *,
    counts: dict[str, dict[str, Any]],
    report: FlowReport,
    choices: FlowChoices,
) -> tuple[Diagram, list[DrawnBox]]:
    """The layout and each box's words, numbers and link."""
    diagram = layered_layout(definition)
    converted = {row.step_id: row.metrics for row in report.steps if row.variant is None}
    drawn = []
    for box in diagram.boxes:
        if box.id == TRIGGER_ID:
            words = _short(trigger_words(definition.trigger, choices))
            drawn.append(DrawnBox(box, "Trigger", words, "", "", f"/flows/{flow_id}/trigger"))
            continue
        step = definition.steps[box.id]
        numbers = counts.get(box.id, {"executed": 0, "waiting": 0})
        done, waiting = int(numbers["executed"]), int(numbers["waiting"])
        metrics = converted.get(box.id)
        conversions = _ends(step)
        if metrics is not None:
            revenue = f"{metrics.revenue:.2f} {report.currency}"
            conversions = f"{metrics.conversions} conversions · {revenue}"
        drawn.append(
            DrawnBox(
                box,
                _short(box.id),
                _short(step_words(step, choices)),
                f"entered {done + waiting} · waiting {waiting} · done {done}",
                conversions,
                f"/flows/{flow_id}/steps/{quote(box.id, safe='')}",
            )
        )
    return diagram, drawn


def trigger_words(trigger: Trigger, choices: FlowChoices) -> str:
    """What starts the flow, in words."""
    if trigger.type == "event":
        return f"Event {trigger.event}"
    if trigger.type in {"segment_entered", "segment_exited"}:
        name = choices.name_of("segments", trigger.segment_id) or f"#{trigger.segment_id}"
        return f"{'Enters' if trigger.type == 'segment_entered' else 'Leaves'} {name}"
    if trigger.type == "date":
        what = f"contract {trigger.contract_date}" if trigger.contract_date else trigger.trait
        days = trigger.offset_days
        when = "on" if days == 0 else f"{abs(days)} days {'before' if days < 0 else 'after'}"
        return f"{when} {what}{' yearly' if trigger.yearly else ''}"
    if trigger.type == "deal_stage":
        if trigger.stage_id is not None:
            return f"Deal enters {choices.name_of('stages', trigger.stage_id) or trigger.stage_id}"
        return f"Deal becomes {trigger.stage_kind}"
    return f"Form #{trigger.form_id}"


def step_words(step: Step, choices: FlowChoices) -> str:  # noqa: PLR0911
    """What the step does, in words."""
    settings = step.settings
    if step.type == "delay":
        days = step.hours / 24
        if step.hours < 24:
            return f"Wait {step.hours:g} h"
        return f"Wait {days:g} day{'' if days == 1 else 's'}"
    if step.type == "wait_until":
        return f"Wait for the rule, at most {step.hours:g} h"
    if step.type == "condition":
        return "If the rule matches"
    if step.type == "ab_split":
        parts = [f"{variant.name} {variant.weight:g}" for variant in step.variants]
        holdout = f", hold-out {step.holdout:g} %" if step.holdout else ""
        return "Split " + " / ".join(parts) + holdout
    if step.type.startswith("send_"):
        name = choices.template_name(settings["template_id"]) or f"#{settings['template_id']}"
        return f"{step.type.removeprefix('send_').capitalize()}: {name}"
    if step.type == "create_task":
        return f"Task: {settings['subject']}"
    if step.type == "update_trait":
        return f"Set {settings['trait']}"
    if step.type == "webhook":
        return f"Webhook {choices.name_of('webhooks', settings['webhook_id']) or ''}".strip()
    name = choices.name_of("lists", settings["list_id"]) or f"#{settings['list_id']}"
    return f"{'Add to' if step.type == 'add_to_list' else 'Remove from'} {name}"


def _ends(step: Step) -> str:
    """The branches of a split or wait that end the run (they have no arrow to draw)."""
    if step.type == "condition":
        ends = [name for name, target in (("yes", step.yes), ("no", step.no)) if target is None]
    elif step.type == "wait_until":
        ends = ["timeout"] if step.timeout is None else []
    else:
        ends = [variant.name for variant in step.variants if variant.next is None]
    return f"{', '.join(ends)} → end" if ends else ""


def _short(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"
