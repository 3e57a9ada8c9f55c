"""Every error leaves as JSON ``{"error": {"code", "message", "details"}}`` (HTML for the UI)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from twofold.core.errors import (
    Conflict,
    FieldProblem,
    PreconditionFailed,
    TwofoldError,
    ValidationFailed,
)
from twofold.web.errors import html_error_response

logger = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/v1/")
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def is_api_request(request: Request) -> bool:
    """API and ingestion paths answer JSON; everything else is the web UI."""
    return request.url.path.startswith(API_PREFIXES) or request.url.path in {"/openapi.json"}


def error_response(request: Request, error: TwofoldError) -> Response:
    """JSON for API clients, an HTML page (or a redirect to log in) for the browser."""
    if is_api_request(request):
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse(error.as_dict(), status_code=error.status, headers=headers)
    return html_error_response(request, error)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a clear 4xx."""

    @app.exception_handler(TwofoldError)
    async def _domain_error(request: Request, error: TwofoldError) -> Response:
        return error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
        return error_response(request, _from_pydantic(error.errors()))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, _error: OverflowError) -> Response:
        return error_response(request, ValidationFailed("a number in the request is too large"))

    @app.exception_handler(DataError)
    async def _data(request: Request, _error: DataError) -> Response:
        return error_response(request, ValidationFailed("a value in the request is out of range"))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _error: StaleDataError) -> Response:
        return error_response(request, PreconditionFailed("the record was changed concurrently"))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, _error: IntegrityError) -> Response:
        return error_response(request, Conflict("the change conflicts with existing records"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        problem = TwofoldError("an unexpected error occurred; it has been logged")
        problem.status = 500
        problem.code = "internal_error"
        return error_response(request, problem)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        problem = TwofoldError(str(error.detail))
        problem.status = error.status_code
        problem.code = HTTP_CODES.get(error.status_code, "error")
        return error_response(request, problem)


def _from_pydantic(errors: Any) -> TwofoldError:
    problems: list[FieldProblem] = []
    for item in errors:
        if item.get("type") == "json_invalid":
            malformed = TwofoldError("the request body is not valid JSON")
            malformed.code = "malformed_json"
            return malformed
        location = [str(part) for part in item.get("loc", ()) if part != "body"]
        problems.append(FieldProblem(".".join(location) or "body", str(item.get("msg", ""))))
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return ValidationFailed(f"invalid request: {summary}", details=problems)
