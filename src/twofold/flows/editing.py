"""Changing one part of a flow's JSON (decision 0018): insert a step at a slot, replace or
rename a step, remove one, replace the trigger. Each answers a new document; the caller saves
it through ``actions.update_flow``, so the forms and the JSON editor share one validation."""

from __future__ import annotations

import copy
from typing import Any, Final

from twofold.core.errors import ValidationFailed

START_SLOT: Final = "start"
TARGET_KEYS: Final = ("next", "yes", "no", "timeout")


def slots(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """Where a new step can go: ``(slot, description)``; ``step.next``, ``step.yes``,
    ``step.variants.0``..., or ``start`` (before the first step)."""
    found = [(START_SLOT, "at the start (right after the trigger)")]
    for step in _steps(definition):
        step_id = str(step.get("id"))
        for key in _target_keys(step):
            where = "after" if key == "next" else f"on the {key!r} branch of"
            found.append((f"{step_id}.{key}", f"{where} {step_id}"))
        for index, variant in enumerate(step.get("variants") or []):
            name = variant.get("name") if isinstance(variant, dict) else index
            found.append((f"{step_id}.variants.{index}", f"variant {name} of {step_id}"))
    return found


def insert_step(definition: dict[str, Any], step: dict[str, Any], slot: str) -> dict[str, Any]:
    """The step placed at ``slot``: what the slot led to, the new step now leads to (on its
    first way out, unless the form chose one), and the slot leads to the new step."""
    document = copy.deepcopy(definition)
    steps = _steps(document)
    if any(existing.get("id") == step.get("id") for existing in steps):
        raise ValidationFailed.on("id", f"another step is already called {step.get('id')}")
    holder, key = _slot(document, slot)
    following = holder.get(key)
    new = copy.deepcopy(step)
    first_exit = _first_exit(new)
    if first_exit is not None and first_exit[0].get(first_exit[1]) is None:
        first_exit[0][first_exit[1]] = following
    holder[key] = new.get("id")
    steps.append(new)
    return document


def replace_step(definition: dict[str, Any], step_id: str, step: dict[str, Any]) -> dict[str, Any]:
    """The step ``step_id`` replaced by ``step``; a new id is followed everywhere."""
    document = copy.deepcopy(definition)
    steps = _steps(document)
    index = _index(steps, step_id)
    new_id = step.get("id")
    if new_id != step_id:
        if any(existing.get("id") == new_id for existing in steps):
            raise ValidationFailed.on("id", f"another step is already called {new_id}")
        _repoint(document, step_id, new_id)
    steps[index] = copy.deepcopy(step)
    return document


def remove_step(definition: dict[str, Any], step_id: str) -> dict[str, Any]:
    """The step taken out; what led to it now leads where it led (its first way out). A
    branch left behind that nothing reaches is refused when the result is saved."""
    document = copy.deepcopy(definition)
    steps = _steps(document)
    removed = steps.pop(_index(steps, step_id))
    first_exit = _first_exit(removed)
    _repoint(document, step_id, first_exit[0].get(first_exit[1]) if first_exit else None)
    if document.get("start") is None:
        raise ValidationFailed.on("form", "a flow needs at least one step: this is its only one")
    return document


def replace_trigger(
    definition: dict[str, Any],
    trigger: dict[str, Any],
    *,
    exit_events: list[str],
    reentry: dict[str, Any],
) -> dict[str, Any]:
    """The trigger, exit events and re-entry rule replaced."""
    document = copy.deepcopy(definition)
    document["trigger"] = trigger
    document["exit"] = [{"event": name} for name in exit_events]
    document["reentry"] = reentry
    return document


def find_step(definition: dict[str, Any], step_id: str) -> dict[str, Any] | None:
    """The step's JSON, or ``None``."""
    for step in _steps(definition):
        if step.get("id") == step_id:
            return step
    return None


def step_position(definition: dict[str, Any], step_id: str) -> int | None:
    """The step's index in ``steps`` (problems from the checker name it so)."""
    for index, step in enumerate(_steps(definition)):
        if step.get("id") == step_id:
            return index
    return None


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's own list (stored definitions are checked: every step is an object)."""
    steps = document.get("steps")
    if not isinstance(steps, list):
        steps = document["steps"] = []
    return steps


def _target_keys(step: dict[str, Any]) -> list[str]:
    kind = step.get("type")
    if kind == "condition":
        return ["yes", "no"]
    if kind == "ab_split":
        return []
    if kind == "wait_until":
        return ["next", "timeout"]
    return ["next"]


def _first_exit(step: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """Where the step's main way out is kept: ``next``, ``yes`` or the first variant."""
    if step.get("type") == "ab_split":
        variants = step.get("variants")
        if isinstance(variants, list) and variants and isinstance(variants[0], dict):
            return variants[0], "next"
        return None
    return step, _target_keys(step)[0]


def _slot(document: dict[str, Any], slot: str) -> tuple[dict[str, Any], str]:
    if slot == START_SLOT:
        return document, "start"
    step_id, _, rest = slot.partition(".")
    step = find_step(document, step_id)
    if step is not None and rest in _target_keys(step):
        return step, rest
    kind, _, number = rest.partition(".")
    variants = step.get("variants") if step is not None else None
    index = int(number) if number.isdigit() else -1
    if kind == "variants" and isinstance(variants, list) and 0 <= index < len(variants):
        return variants[index], "next"
    raise ValidationFailed.on("slot", f"{slot} is not a place in this flow")


def _repoint(document: dict[str, Any], old: str, new: Any) -> None:
    if document.get("start") == old:
        document["start"] = new
    for step in _steps(document):
        for key in TARGET_KEYS:
            if step.get(key) == old:
                step[key] = new
        for variant in step.get("variants") or []:
            if isinstance(variant, dict) and variant.get("next") == old:
                variant["next"] = new


def _index(steps: list[dict[str, Any]], step_id: str) -> int:
    for index, step in enumerate(steps):
        if step.get("id") == step_id:
            return index
    raise ValidationFailed.on("id", f"no step {step_id} in this flow")
