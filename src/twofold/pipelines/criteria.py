"""Stage entry criteria: which deal fields must be filled in before a deal may enter."""

from __future__ import annotations

from twofold.core.enums import BuyingRole
from twofold.core.errors import FieldProblem, ValidationFailed

# Deal fields a stage can require; plus "stakeholders", "role:<buying role>" and "custom.<key>".
REQUIRABLE_FIELDS = frozenset(
    {
        "amount",
        "expected_close_date",
        "next_step",
        "source",
        "owner_id",
        "account_id",
        "person_id",
        "competitors",
        "stakeholders",
    }
)
ROLE_PREFIX = "role:"
CUSTOM_PREFIX = "custom."


def validate_criteria(criteria: list[str], *, field: str) -> list[str]:
    """Check that every criterion names something a deal has."""
    problems = [
        FieldProblem(f"{field}[{index}]", f"{name!r} is not a deal field a stage can require")
        for index, name in enumerate(criteria)
        if not _is_known(name)
    ]
    if problems:
        raise ValidationFailed("unknown stage criteria", details=problems)
    return list(dict.fromkeys(criteria))


def describe_criterion(name: str) -> str:
    """Human wording of a criterion for error messages and the UI."""
    if name.startswith(ROLE_PREFIX):
        return f"a stakeholder in the {name.removeprefix(ROLE_PREFIX).replace('_', ' ')} role"
    if name == "stakeholders":
        return "at least one stakeholder"
    return name.removeprefix(CUSTOM_PREFIX).replace("_", " ")


def _is_known(name: str) -> bool:
    if name in REQUIRABLE_FIELDS:
        return True
    if name.startswith(ROLE_PREFIX):
        return name.removeprefix(ROLE_PREFIX) in {role.value for role in BuyingRole}
    return name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX)
