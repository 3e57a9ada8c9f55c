"""Which column fills which field: recognised header names, overridden by an explicit mapping.

An explicit mapping is JSON ``{"CSV header": "field" | null}`` (null: ignore the column);
headers it does not name are still recognised automatically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twofold.core.errors import FieldProblem, ValidationFailed
from twofold.csv_import.columns import FIELDS, REQUIRED, ImportKind, field_names, header_key


@dataclass(frozen=True)
class ColumnMap:
    """Field → column index, and the header names no field uses."""

    columns: dict[str, int]
    ignored: list[str]

    def as_dict(self, header: list[str]) -> dict[str, str]:
        """Field → header name (for reports and the mapping step of the UI)."""
        return {name: header[index] for name, index in self.columns.items()}


def suggest_field(kind: ImportKind, header_name: str) -> str | None:
    """The field a header name is recognised as, if any."""
    key = header_key(header_name)
    for field in FIELDS[kind]:
        if key == field.name or key in field.aliases:
            return field.name
    return None


def map_columns(
    kind: ImportKind, header: list[str], explicit: Mapping[str, str | None] | None = None
) -> ColumnMap:
    """Map the header; refuses unknown fields, a field filled twice and missing columns."""
    explicit = dict(explicit or {})
    known = set(field_names(kind))
    problems = [
        FieldProblem(f"mapping.{name}", "no column has this name")
        for name in explicit
        if name not in header
    ]
    problems += [
        FieldProblem(f"mapping.{name}", f"unknown field {target!r} for {kind}")
        for name, target in explicit.items()
        if target is not None and target not in known
    ]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        target = explicit[name] if name in explicit else suggest_field(kind, name)
        if target is None or target not in known:
            ignored.append(name)
        elif target in columns:
            first = header[columns[target]]
            problems.append(
                FieldProblem(f"mapping.{name}", f"{target} is already filled by column {first!r}")
            )
        else:
            columns[target] = index
    for choices in REQUIRED[kind]:
        if not any(choice in columns for choice in choices):
            wanted = " or ".join(choices)
            problems.append(FieldProblem("file", f"missing column: {wanted} is required"))
    if problems:
        raise ValidationFailed("the columns cannot be imported", details=problems)
    return ColumnMap(columns=columns, ignored=ignored)
