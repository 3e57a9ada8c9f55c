"""The flow editor's forms: a step or the trigger as form values and back, and the flow
checker's problem paths (``flow.steps[3].template_id``) as the form fields they concern.
Only the form's shape is handled here; ranges, references and the graph are checked by
``flows.actions`` when the changed flow is saved, exactly as for the JSON editor."""

from __future__ import annotations

import math
import re
from typing import Any, Final

import orjson
from starlette.datastructures import FormData

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.flows.definition import STEP_TYPES
from twofold.flows.trigger_definitions import TRIGGERS
from twofold.web.dependencies import form_text
from twofold.web.forms import FormProblems, parse_id, pretty_json, split_list

MAX_VARIANTS: Final = 5
SEND_TYPES: Final = {"send_email": "email", "send_sms": "sms", "send_push": "push"}
# A checker field → the form field showing it.
FIELD_NAMES: Final = {"hours": "amount", "days": "amount", "where": "where", "event": "event"}
_STEP_PATH = re.compile(r"^flow\.steps(?:\[(\d+)\]|\.([^.\[]+))(?:[.\[](.*))?$")


def step_values(step: dict[str, Any]) -> dict[str, str]:
    """A stored step as the values of its form."""
    values = {"id": str(step.get("id", "")), "type": str(step.get("type", ""))}
    for key in ("next", "yes", "no", "timeout"):
        values[key] = _text(step.get(key))
    for key in (
        "template_id",
        "list_id",
        "webhook_id",
        "purpose",
        "subject",
        "due_days",
        "trait",
        "max_hours",
        "holdout",
    ):
        if key in step:
            values[key] = _text(step[key])
    if "days" in step:
        values["amount"], values["unit"] = _text(step["days"]), "days"
    elif "hours" in step:
        values["amount"], values["unit"] = _text(step["hours"]), "hours"
    for key in ("rule", "data"):
        if key in step:
            values[key] = pretty_json(step[key])
    if "value" in step:
        value = step["value"]
        values["value"] = value if isinstance(value, str) else orjson.dumps(value).decode()
    for index, variant in enumerate(step.get("variants") or []):
        if isinstance(variant, dict):
            values[f"variant_name_{index}"] = _text(variant.get("name"))
            values[f"variant_weight_{index}"] = _text(variant.get("weight", 1))
            values[f"variant_next_{index}"] = _text(variant.get("next"))
    return values


def step_from_form(kind: str, form: FormData) -> dict[str, Any]:  # noqa: C901, PLR0912
    """The step a form describes (its shape only; the flow checker judges the values)."""
    if kind not in STEP_TYPES:
        raise ValidationFailed.on("type", f"must be one of {', '.join(STEP_TYPES)}")
    step: dict[str, Any] = {"id": form_text(form, "id").strip(), "type": kind}
    if kind == "delay":
        unit = form_text(form, "unit") or "hours"
        if unit not in {"hours", "days"}:
            raise ValidationFailed.on("unit", "must be hours or days")
        step[unit] = _number(form, "amount")
    elif kind in {"wait_until", "condition"}:
        step["rule"] = _json(form, "rule", "write the condition (a segment rule, JSON)")
        if kind == "wait_until":
            step["max_hours"] = _number(form, "max_hours")
            step["timeout"] = _target(form, "timeout")
    elif kind == "ab_split":
        step["variants"] = _variants(form)
        if form_text(form, "holdout").strip():
            step["holdout"] = _number(form, "holdout")
    elif kind in SEND_TYPES:
        step["template_id"] = _record(form, "template_id", "choose a template")
        step["purpose"] = form_text(form, "purpose") or "marketing"
    elif kind == "webhook":
        step["webhook_id"] = _record(form, "webhook_id", "choose a webhook")
        if form_text(form, "data").strip():
            step["data"] = _json(form, "data", "")
    elif kind in {"add_to_list", "remove_from_list"}:
        step["list_id"] = _record(form, "list_id", "choose a list")
    elif kind == "update_trait":
        step["trait"] = form_text(form, "trait").strip()
        step["value"] = _loose_value(form_text(form, "value"))
    elif kind == "create_task":
        step["subject"] = form_text(form, "subject").strip()
        if form_text(form, "due_days").strip():
            step["due_days"] = _number(form, "due_days")
    if kind == "condition":
        step["yes"], step["no"] = _target(form, "yes"), _target(form, "no")
    elif kind != "ab_split":
        step["next"] = _target(form, "next")
    return step


def trigger_values(document: dict[str, Any]) -> dict[str, str]:
    """The trigger, exit events and re-entry rule as form values."""
    trigger = document.get("trigger") or {}
    values = {key: _text(value) for key, value in trigger.items() if key != "where"}
    if "where" in trigger:
        values["where"] = pretty_json(trigger["where"])
    values["exit"] = ", ".join(
        str(item.get("event")) for item in document.get("exit") or [] if isinstance(item, dict)
    )
    reentry = document.get("reentry") or {"mode": "never"}
    values["reentry_mode"] = _text(reentry.get("mode"))
    values["reentry_days"] = _text(reentry.get("days"))
    return values


def trigger_from_form(form: FormData) -> dict[str, Any]:
    """The trigger a form describes."""
    kind = form_text(form, "type")
    if kind not in TRIGGERS:
        raise ValidationFailed.on("type", f"must be one of {', '.join(TRIGGERS)}")
    if kind == "event":
        trigger: dict[str, Any] = {"type": kind, "event": form_text(form, "event").strip()}
        if form_text(form, "where").strip():
            trigger["where"] = _json(form, "where", "")
        return trigger
    if kind in {"segment_entered", "segment_exited"}:
        return {"type": kind, "segment_id": _record(form, "segment_id", "choose a segment")}
    if kind == "form":
        return {"type": kind, "form_id": _record(form, "form_id", "write the form's id")}
    if kind == "date":
        trigger = {"type": kind, "offset_days": _whole(form, "offset_days")}
        if form_text(form, "contract"):
            trigger["contract"] = form_text(form, "contract")
        else:
            trigger["trait"] = form_text(form, "trait").strip()
            trigger["yearly"] = form_text(form, "yearly") == "true"
        return trigger
    if form_text(form, "stage_id"):
        return {"type": kind, "stage_id": _record(form, "stage_id", "choose a stage")}
    trigger = {"type": kind, "stage_kind": form_text(form, "stage_kind")}
    if form_text(form, "pipeline_id"):
        trigger["pipeline_id"] = _record(form, "pipeline_id", "choose a pipeline")
    return trigger


def exit_events_from_form(form: FormData) -> list[str]:
    """The exit events typed as a list."""
    return split_list(form_text(form, "exit"))


def reentry_from_form(form: FormData) -> dict[str, Any]:
    """The re-entry rule chosen."""
    mode = form_text(form, "reentry_mode") or "never"
    if mode == "after_days":
        return {"mode": mode, "days": _number(form, "reentry_days")}
    return {"mode": mode}


def step_problems(
    problems: FormProblems, error: ValidationFailed, *, step_id: str, position: int | None
) -> None:
    """The checker's problems beside the step form's fields; problems elsewhere in the
    flow (another step left unreachable, a cycle) above the form, with their path."""
    for problem in error.details:
        field = _step_field(problem, step_id, position)
        if field is None:
            problems.add("form", f"{problem.field}: {problem.message}")
        else:
            problems.add(FIELD_NAMES.get(field, field), problem.message)


def trigger_problems(problems: FormProblems, error: ValidationFailed) -> None:
    """The checker's trigger, exit and re-entry problems beside the trigger form's fields."""
    for problem in error.details:
        path = problem.field
        if path.startswith("flow.trigger."):
            field = re.split(r"[.\[]", path.removeprefix("flow.trigger."), maxsplit=1)[0]
            problems.add(field, problem.message)
        elif path.startswith("flow.exit"):
            problems.add("exit", problem.message)
        elif path.startswith("flow.reentry."):
            problems.add("reentry_" + path.removeprefix("flow.reentry."), problem.message)
        elif path == "flow.trigger":
            problems.add("type", problem.message)
        elif not path.startswith("flow"):  # the form's own checks name their field
            problems.add(path, problem.message)
        else:
            problems.add("form", f"{path}: {problem.message}")


def _step_field(problem: FieldProblem, step_id: str, position: int | None) -> str | None:
    match = _STEP_PATH.match(problem.field)
    if match is None:
        return problem.field if "." not in problem.field else None  # the form's own checks
    index, name, rest = match.groups()
    if (index is None or position is None or int(index) != position) and name != step_id:
        return None
    if not rest:
        return "form"
    return re.split(r"[.\[\]]", rest, maxsplit=1)[0]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _target(form: FormData, name: str) -> str | None:
    return form_text(form, name).strip() or None


def _number(form: FormData, name: str) -> float | int:
    text = form_text(form, name).strip()
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed.on(name, "must be a number") from None
    if not math.isfinite(value):
        raise ValidationFailed.on(name, "must be a number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _whole(form: FormData, name: str) -> int:
    value = _number(form, name) if form_text(form, name).strip() else 0
    if not isinstance(value, int):
        raise ValidationFailed.on(name, "must be a whole number")
    return value


def _record(form: FormData, name: str, missing: str) -> int:
    found = parse_id(form_text(form, name))
    if found is None:
        raise ValidationFailed.on(name, missing)
    return found


def _json(form: FormData, name: str, missing: str) -> Any:
    text = form_text(form, name).strip()
    if not text:
        raise ValidationFailed.on(name, missing or "write a JSON value")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValidationFailed.on(name, f"not valid JSON: {error}") from None


def _loose_value(text: str) -> Any:
    """A trait value: JSON when it is JSON (``42``, ``true``, ``["a"]``), else the text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _variants(form: FormData) -> list[dict[str, Any]]:
    variants = []
    for index in range(MAX_VARIANTS):
        name = form_text(form, f"variant_name_{index}").strip()
        if not name:
            continue
        weight_field = f"variant_weight_{index}"
        weight = _number(form, weight_field) if form_text(form, weight_field).strip() else 1
        following = _target(form, f"variant_next_{index}")
        variants.append({"name": name, "weight": weight, "next": following})
    if not variants:
        raise ValidationFailed.on("variants", "name at least one variant")
    return variants
