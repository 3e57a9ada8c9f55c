"""A flow's JSON (decision 0018) → a checked, typed definition, or every problem with its path.

Refused: unknown trigger or step types, a ``next`` to a missing step, steps that cannot be
reached from ``start``, cycles with no ``delay`` or ``wait_until`` on them (they would run
without end), rules that do not parse (their path inside the step), bad numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.flows.trigger_definitions import Trigger, TriggerChecks, number
from twofold.segments.rules import Node

ACTIONS: Final = (
    "send_email",
    "send_sms",
    "send_push",
    "update_trait",
    "create_task",
    "webhook",
    "add_to_list",
    "remove_from_list",
)
STEP_TYPES: Final = ("delay", "wait_until", "condition", "ab_split", *ACTIONS)
WAITS: Final = frozenset({"delay", "wait_until"})
# Steps that read the event store (the rest only touch the records database).
READS_EVENTS: Final = frozenset({"wait_until", "condition"})
MAX_WEBHOOK_DATA: Final = 10_000
MAX_STEPS: Final = 100
MAX_HOURS: Final = 24 * 366
REENTRY: Final = ("never", "after_exit", "after_days")


@dataclass(frozen=True)
class Variant:
    name: str
    weight: float
    next: str | None


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    next: str | None = None
    hours: float = 0.0
    rule: Node | None = None
    yes: str | None = None
    no: str | None = None
    timeout: str | None = None
    variants: tuple[Variant, ...] = ()
    holdout: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def targets(self) -> list[str]:
        """The steps this one can lead to."""
        found = [self.next, self.yes, self.no, self.timeout, *(v.next for v in self.variants)]
        return [target for target in found if target is not None]


@dataclass(frozen=True)
class FlowDefinition:
    trigger: Trigger
    start: str
    steps: dict[str, Step]
    exit_events: tuple[str, ...] = ()
    reentry: str = "never"
    reentry_days: float = 0.0

    def reads_events(self, step_id: str) -> bool:
        """Whether executing this step needs the event store (its rule, or exit events)."""
        return bool(self.exit_events) or self.steps[step_id].type in READS_EVENTS


def parse_flow(document: Any) -> FlowDefinition:
    """The definition, or ``ValidationFailed`` listing every problem with its path."""
    checker = _Checker()
    definition = checker.flow(document)
    if checker.problems or definition is None:
        first = checker.problems[0] if checker.problems else FieldProblem("flow", "is not valid")
        raise ValidationFailed(
            f"the flow is not valid: {first.field}: {first.message}", details=checker.problems
        )
    return definition


class _Checker(TriggerChecks):
    """Checks a whole flow document: its trigger, steps, exits, re-entry and graph."""

    def flow(self, raw: Any) -> FlowDefinition | None:
        if not isinstance(raw, dict):
            self.fail("flow", "must be a JSON object with trigger, start and steps")
            return None
        for key in raw:
            if key not in {"trigger", "start", "steps", "exit", "reentry"}:
                self.fail(f"flow.{key}", "is not allowed here")
        trigger = self.trigger(raw.get("trigger"))
        steps = self.steps(raw.get("steps"))
        start = raw.get("start")
        if not isinstance(start, str) or start not in steps:
            self.fail("flow.start", "must be the id of one of the steps")
        exits = self.exits(raw.get("exit", []))
        reentry, days = self.reentry(raw.get("reentry", {"mode": "never"}))
        if trigger is None or self.problems or not isinstance(start, str):
            return None
        self.graph(start, steps)
        return FlowDefinition(trigger, start, steps, exits, reentry, days)

    def steps(self, raw: Any) -> dict[str, Step]:
        if not isinstance(raw, list) or not raw or len(raw) > MAX_STEPS:
            self.fail("flow.steps", f"must be a list of 1-{MAX_STEPS} steps")
            return {}
        steps: dict[str, Step] = {}
        for index, item in enumerate(raw):
            step = self.step(item, f"flow.steps[{index}]")
            if step is None:
                continue
            if step.id in steps:
                self.fail(f"flow.steps[{index}].id", f"another step is already called {step.id}")
            steps[step.id] = step
        for index, step in enumerate(steps.values()):
            for target in step.targets():
                if target not in steps:
                    self.fail(f"flow.steps[{index}]", f"leads to {target}, which is not a step")
        return steps

    def step(self, raw: Any, path: str) -> Step | None:  # noqa: PLR0911
        if not isinstance(raw, dict):
            self.fail(path, "must be an object with id and type")
            return None
        step_id, kind = raw.get("id"), raw.get("type")
        if not isinstance(step_id, str) or not 1 <= len(step_id) <= 50:
            self.fail(f"{path}.id", "must be a name of 1-50 characters")
            return None
        if kind not in STEP_TYPES:
            self.fail(f"{path}.type", f"must be one of {', '.join(STEP_TYPES)}")
            return None
        nxt = self.target(raw.get("next"), f"{path}.next")
        if kind == "delay":
            hours = self.hours(raw, path)
            return Step(step_id, kind, next=nxt, hours=hours) if hours else None
        if kind == "wait_until":
            rule = self.rule(raw.get("rule"), f"{path}.rule")
            hours = self.hours(raw, path, key="max_hours")
            timeout = self.target(raw.get("timeout"), f"{path}.timeout")
            return Step(step_id, kind, next=nxt, rule=rule, hours=hours, timeout=timeout)
        if kind == "condition":
            rule = self.rule(raw.get("rule"), f"{path}.rule")
            yes = self.target(raw.get("yes"), f"{path}.yes")
            no = self.target(raw.get("no"), f"{path}.no")
            return Step(step_id, kind, rule=rule, yes=yes, no=no)
        if kind == "ab_split":
            return self.split(raw, step_id, path)
        settings = self.action(kind, raw, path)
        return Step(step_id, kind, next=nxt, settings=settings) if settings is not None else None

    def split(self, raw: dict[str, Any], step_id: str, path: str) -> Step | None:
        variants = raw.get("variants")
        if not isinstance(variants, list) or not 1 <= len(variants) <= 10:
            self.fail(f"{path}.variants", "must be a list of 1-10 variants")
            return None
        parsed = []
        for index, item in enumerate(variants):
            where = f"{path}.variants[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                self.fail(where, "must be an object with name, weight and next")
                continue
            weight = item.get("weight", 1)
            if not number(weight) or weight <= 0:
                self.fail(f"{where}.weight", "must be a positive number")
                continue
            target = self.target(item.get("next"), f"{where}.next")
            parsed.append(Variant(item["name"], float(weight), target))
        holdout = raw.get("holdout", 0)
        if not number(holdout) or not 0 <= holdout < 100:
            self.fail(f"{path}.holdout", "must be a percentage from 0 up to (not) 100")
            holdout = 0
        return Step(step_id, "ab_split", variants=tuple(parsed), holdout=float(holdout))

    def action(  # noqa: PLR0911
        self, kind: str, raw: dict[str, Any], path: str
    ) -> dict[str, Any] | None:
        if kind in {"send_email", "send_sms", "send_push"}:
            template = raw.get("template_id")
            if isinstance(template, bool) or not isinstance(template, int) or template < 1:
                self.fail(f"{path}.template_id", "must be a template id")
                return None
            purpose = raw.get("purpose", "marketing")
            if purpose not in {"marketing", "transactional"}:
                self.fail(f"{path}.purpose", "must be marketing or transactional")
                return None
            return {"template_id": template, "purpose": purpose}
        if kind == "webhook":
            return self.webhook(raw, path)
        if kind in {"add_to_list", "remove_from_list"}:
            found = self.record_id(raw, "list_id", path, "a list id")
            return {"list_id": found} if found else None
        if kind == "update_trait":
            trait = raw.get("trait")
            if not isinstance(trait, str) or not trait or len(trait) > 100 or "value" not in raw:
                self.fail(f"{path}.trait", "needs a trait name and a value")
                return None
            return {"trait": trait, "value": raw["value"]}
        subject = raw.get("subject")
        if not isinstance(subject, str) or not 1 <= len(subject) <= 500:
            self.fail(f"{path}.subject", "must be a task subject of 1-500 characters")
            return None
        due = raw.get("due_days", 1)
        if not number(due) or not 0 <= float(due) <= 365:
            self.fail(f"{path}.due_days", "must be a number of days from 0 to 365")
            return None
        return {"subject": subject, "due_days": float(due)}

    def webhook(self, raw: dict[str, Any], path: str) -> dict[str, Any] | None:
        subscription = self.record_id(raw, "webhook_id", path, "a webhook (subscription) id")
        data = raw.get("data", {})
        if not isinstance(data, dict):
            self.fail(
                f"{path}.data", "must be a JSON object (sent as the payload's data.step_data)"
            )
            return None
        if len(orjson.dumps(data)) > MAX_WEBHOOK_DATA:
            self.fail(f"{path}.data", f"must be at most {MAX_WEBHOOK_DATA} bytes of JSON")
            return None
        return {"webhook_id": subscription, "data": data} if subscription else None

    def hours(self, raw: dict[str, Any], path: str, key: str = "hours") -> float:
        value: Any = raw.get(key)
        if value is None and key == "hours" and number(raw.get("days")):
            value = raw["days"] * 24
        if not number(value) or not 0 < float(value) <= MAX_HOURS:
            self.fail(f"{path}.{key}", f"must be a number of hours in (0, {MAX_HOURS}]")
            return 0.0
        return float(value)

    def target(self, raw: Any, path: str) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.fail(path, "must be a step id or null (the end)")
            return None
        return raw

    def exits(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or len(raw) > 20:
            self.fail("flow.exit", "must be a list of up to 20 events")
            return ()
        names = []
        for index, item in enumerate(raw):
            name = item.get("event") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name.strip():
                self.fail(f"flow.exit[{index}].event", "must be an event name")
                continue
            names.append(name)
        return tuple(names)

    def reentry(self, raw: Any) -> tuple[str, float]:
        mode = raw.get("mode") if isinstance(raw, dict) else None
        if mode not in REENTRY:
            self.fail("flow.reentry.mode", f"must be one of {', '.join(REENTRY)}")
            return "never", 0.0
        if mode != "after_days":
            return str(mode), 0.0
        days = raw.get("days")
        if not number(days) or not 0 < days <= 3650:
            self.fail("flow.reentry.days", "must be a number of days in (0, 3650]")
            return "never", 0.0
        return "after_days", float(days)

    def graph(self, start: str, steps: dict[str, Step]) -> None:
        reached: set[str] = set()
        frontier = [start]
        while frontier:
            current = frontier.pop()
            if current in reached:
                continue
            reached.add(current)
            frontier.extend(steps[current].targets())
        for index, step_id in enumerate(steps):
            if step_id not in reached:
                self.fail(f"flow.steps[{index}]", f"step {step_id} cannot be reached from start")
        cycle = _cycle_without_wait(steps)
        if cycle:
            self.fail("flow.steps", "a cycle without a delay or wait: " + " → ".join(cycle))


def _cycle_without_wait(steps: dict[str, Step]) -> list[str] | None:
    """A cycle through steps none of which waits (they would run again at once, for ever)."""
    instant = {step_id: step for step_id, step in steps.items() if step.type not in WAITS}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(step_id: str) -> list[str] | None:
        state[step_id] = 1
        path.append(step_id)
        for target in instant[step_id].targets():
            if target not in instant:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[step_id] = 2
        return None

    for step_id in instant:
        if step_id not in state:
            found = visit(step_id)
            if found:
                return found
    return None
