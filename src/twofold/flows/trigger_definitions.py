"""A flow's trigger (decision 0018) → a checked ``Trigger``, and the problem-collecting base
that the whole definition's checker builds on (``flows/definition.py``).

Triggers: ``event`` (a name and property filters), ``segment_entered`` / ``segment_exited``
(a segment id), ``date`` (a person's date trait or a contract's date plus an offset),
``deal_stage`` (a stage, or a stage kind optionally within a pipeline) and ``form`` (a form
id; saved, not activated until forms exist). Every problem is collected with its path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.segments.rules import Node, PropertyFilter, parse_rule

TRIGGERS: Final = ("event", "segment_entered", "segment_exited", "date", "deal_stage", "form")
STAGE_KINDS: Final = ("open", "won", "lost")
CONTRACT_DATES: Final = ("end_date", "start_date")
MAX_OFFSET_DAYS: Final = 366


@dataclass(frozen=True)
class Trigger:
    type: str
    event: str | None = None
    where: tuple[PropertyFilter, ...] = ()
    segment_id: int | None = None
    # date: a person's date trait, or a contract's date, plus offset_days (yearly: anniversaries)
    trait: str | None = None
    contract_date: str | None = None
    offset_days: int = 0
    yearly: bool = False
    # deal_stage: one stage, or any stage of a kind (optionally within one pipeline)
    stage_id: int | None = None
    stage_kind: str | None = None
    pipeline_id: int | None = None
    form_id: int | None = None


class Checks:
    """Collects problems (path + message) instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def record_id(self, raw: dict[str, Any], key: str, path: str, what: str) -> int | None:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{path}.{key}", f"must be {what}")
            return None
        return value

    def only(self, raw: dict[str, Any], path: str, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                self.fail(f"{path}.{key}", "is not allowed here")

    def rule(self, raw: Any, path: str) -> Node | None:
        try:
            return parse_rule(raw)
        except ValidationFailed as error:
            for problem in error.details:
                self.fail(path + problem.field.removeprefix("rule"), problem.message)
            return None


class TriggerChecks(Checks):
    """Checks a flow's ``trigger`` object."""

    def trigger(self, raw: Any) -> Trigger | None:  # noqa: PLR0911
        path = "flow.trigger"
        if not isinstance(raw, dict) or raw.get("type") not in TRIGGERS:
            self.fail(f"{path}.type", f"must be one of {', '.join(TRIGGERS)}")
            return None
        if raw["type"] == "event":
            name = raw.get("event")
            if not isinstance(name, str) or not name.strip() or len(name) > 200:
                self.fail(f"{path}.event", "must be an event name (1-200 characters)")
                return None
            where: tuple[PropertyFilter, ...] = ()
            if raw.get("where") is not None:
                node = self.rule({"event": name, "where": raw["where"]}, f"{path}")
                where = getattr(node, "where", ())
            return Trigger("event", event=name, where=where)
        if raw["type"] == "date":
            return self.date_trigger(raw, path)
        if raw["type"] == "deal_stage":
            return self.stage_trigger(raw, path)
        if raw["type"] == "form":
            form = self.record_id(raw, "form_id", path, "a form id")
            return Trigger("form", form_id=form) if form else None
        segment = self.record_id(raw, "segment_id", path, "a segment id")
        return Trigger(raw["type"], segment_id=segment) if segment else None

    def date_trigger(self, raw: dict[str, Any], path: str) -> Trigger | None:  # noqa: PLR0911
        self.only(raw, path, {"type", "trait", "contract", "offset_days", "yearly"})
        offset = raw.get("offset_days", 0)
        if not whole(offset) or abs(offset) > MAX_OFFSET_DAYS:
            self.fail(
                f"{path}.offset_days", f"must be a whole number of days within ±{MAX_OFFSET_DAYS}"
            )
            return None
        yearly = raw.get("yearly", False)
        if not isinstance(yearly, bool):
            self.fail(f"{path}.yearly", "must be true or false")
            return None
        trait, contract = raw.get("trait"), raw.get("contract")
        if (trait is None) == (contract is None):
            self.fail(path, "needs either trait (a person's date trait) or contract (end_date)")
            return None
        if contract is not None:
            if contract not in CONTRACT_DATES:
                self.fail(f"{path}.contract", f"must be one of {', '.join(CONTRACT_DATES)}")
                return None
            if yearly:
                self.fail(
                    f"{path}.yearly",
                    "applies to person traits: each contract term has its own dates",
                )
                return None
            return Trigger("date", contract_date=contract, offset_days=offset)
        if not isinstance(trait, str) or not 1 <= len(trait) <= 100:
            self.fail(f"{path}.trait", "must be a trait name of 1-100 characters")
            return None
        return Trigger("date", trait=trait, offset_days=offset, yearly=yearly)

    def stage_trigger(self, raw: dict[str, Any], path: str) -> Trigger | None:
        self.only(raw, path, {"type", "stage_id", "stage_kind", "pipeline_id"})
        if ("stage_id" in raw) == ("stage_kind" in raw):
            self.fail(path, "needs either stage_id or stage_kind (open, won, lost)")
            return None
        if "stage_id" in raw:
            if "pipeline_id" in raw:
                self.fail(f"{path}.pipeline_id", "goes with stage_kind: a stage has its pipeline")
                return None
            stage = self.record_id(raw, "stage_id", path, "a stage id")
            return Trigger("deal_stage", stage_id=stage) if stage else None
        kind = raw.get("stage_kind")
        if kind not in STAGE_KINDS:
            self.fail(f"{path}.stage_kind", f"must be one of {', '.join(STAGE_KINDS)}")
            return None
        pipeline = None
        if "pipeline_id" in raw:
            pipeline = self.record_id(raw, "pipeline_id", path, "a pipeline id")
            if pipeline is None:
                return None
        return Trigger("deal_stage", stage_kind=kind, pipeline_id=pipeline)


def whole(value: Any) -> bool:
    """An integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
