"""Domain errors. Each carries a machine-readable code; the edges turn them into 4xx answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    """One invalid field: where it is (a dotted path) and what is wrong with it."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON form used in error bodies."""
        return {"field": self.field, "message": self.message}


class TwofoldError(Exception):
    """Base of every error a user can cause; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def as_dict(self) -> dict[str, Any]:
        """The JSON error body: ``{"error": {"code", "message", "details"}}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = [problem.as_dict() for problem in self.details]
        return {"error": body}


class ValidationFailed(TwofoldError):
    """Input that breaks a rule of the data model."""

    status = 422
    code = "validation_error"

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        """A validation error about a single field."""
        return cls(f"{field}: {message}", details=[FieldProblem(field, message)])


class NotFound(TwofoldError):
    """A record that does not exist, or that the actor may not see."""

    status = 404
    code = "not_found"


class Conflict(TwofoldError):
    """A write that contradicts the current state (a duplicate, a cycle...)."""

    status = 409
    code = "conflict"


class StageGateFailed(ValidationFailed):
    """A deal cannot enter a stage because the stage's entry criteria are not met."""

    code = "stage_gate_failed"


class PreconditionFailed(TwofoldError):
    """An ``If-Match`` that names an older version of the record."""

    status = 412
    code = "precondition_failed"


class NotAuthenticated(TwofoldError):
    """No credentials, or credentials that are unknown, expired or revoked."""

    status = 401
    code = "not_authenticated"


class PermissionDenied(TwofoldError):
    """The actor is known but their role or ownership does not allow the action."""

    status = 403
    code = "permission_denied"
