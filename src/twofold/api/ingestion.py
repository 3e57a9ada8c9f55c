"""The Segment-compatible ingestion endpoints: ``POST /v1/track|identify|page|screen|group|
alias|batch``.

Authentication is the source's write key, as the basic-auth user name or ``writeKey`` in the
body. A 200 is sent only after the accepted messages are flushed to the journal on disk. A
batch stores its good messages and lists the bad ones; it answers 400 only when none was good.
Error bodies carry our usual ``error`` object and, for Segment's client libraries, the same
``code`` and ``message`` at the top level.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from twofold.core.time import utcnow
from twofold.ingest.journal import JournalClosed
from twofold.ingest.messages import (
    CALL_TYPES,
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    MessageRejected,
    Receipt,
    journal_line,
    parse_timestamp,
)
from twofold.ingest.runtime import Ingestion

router = APIRouter(prefix="/v1", tags=["ingestion (Segment-compatible)"])


class IngestionRefused(Exception):
    """A whole request refused: status, code and message for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _answer(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _refusal(refused: IngestionRefused) -> Response:
    error = {"code": refused.code, "message": refused.message}
    headers = {"WWW-Authenticate": 'Basic realm="twofold"'} if refused.status == 401 else None
    response = _answer(refused.status, {"error": error, **error})
    if headers:
        response.headers.update(headers)
    return response


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, un-gzipped when the client compressed it, at most ``limit`` bytes."""
    body = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error as error:
            raise IngestionRefused(
                400, "invalid_gzip", f"the gzip body is corrupt: {error}"
            ) from None
        if not inflater.eof and len(body) <= limit:
            raise IngestionRefused(400, "invalid_gzip", "the gzip body is truncated")
    if len(body) > limit:
        what = "batch" if limit == MAX_BATCH_BYTES else "message"
        raise IngestionRefused(
            400, f"{what}_too_large", f"a {what} may be at most {limit} bytes ({len(body)} sent)"
        )
    return body


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise IngestionRefused(400, "invalid_json", f"the body is not JSON: {error}") from None


def _source_id(request: Request, document: Any) -> int:
    """The source of the write key in the Authorization header or the body; else 401."""
    secret = _basic_auth_user(request.headers.get("authorization"))
    if secret is None and isinstance(document, dict):
        candidate = document.get("writeKey")
        secret = candidate if isinstance(candidate, str) else None
    if not secret:
        raise IngestionRefused(401, "missing_write_key", "send the source's write key")
    ingestion: Ingestion = request.app.state.ingestion
    source_id = ingestion.write_keys.source_for(secret)
    if source_id is None:
        raise IngestionRefused(401, "invalid_write_key", "unknown or revoked write key")
    return source_id


def _basic_auth_user(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0]


def _ingestion(request: Request) -> Ingestion:
    ingestion: Ingestion = request.app.state.ingestion
    return ingestion


async def _store(request: Request, lines: list[bytes]) -> None:
    try:
        await _ingestion(request).journal.append(b"".join(lines))
    except JournalClosed as error:
        raise IngestionRefused(503, "unavailable", str(error)) from None


async def _single(request: Request, call_type: str) -> Response:
    try:
        body = await _read_body(request, MAX_MESSAGE_BYTES)
        document = _parse(body)
        source_id = _source_id(request, document)
        receipt = Receipt(source_id=source_id, received_at=utcnow())
        try:
            line = journal_line(document, receipt, call_type=call_type)
        except MessageRejected as rejected:
            _ingestion(request).rejections.note(source_id, document, rejected)
            raise IngestionRefused(400, rejected.code, rejected.message) from None
        await _store(request, [line])
    except IngestionRefused as refused:
        return _refusal(refused)
    return _answer(200, {"success": True})


@router.post("/batch", summary="Send up to 500 KB of messages of any type")
async def batch(request: Request) -> Response:
    """``{"batch": [message, ...], "sentAt": ...}``; good messages are kept, bad ones listed."""
    try:
        body = await _read_body(request, MAX_BATCH_BYTES)
        document = _parse(body)
        source_id = _source_id(request, document)
        messages, receipt = _unpack_batch(document, source_id)
        lines: list[bytes] = []
        rejected: list[dict[str, Any]] = []
        shared_context = document.get("context")
        for index, message in enumerate(messages):
            if isinstance(shared_context, dict) and isinstance(message, dict):
                message.setdefault("context", shared_context)
            try:
                lines.append(journal_line(message, receipt))
            except MessageRejected as problem:
                _ingestion(request).rejections.note(source_id, message, problem)
                message_id = message.get("messageId") if isinstance(message, dict) else None
                rejected.append({"index": index, "messageId": message_id, **problem.as_dict()})
        _refuse_if_nothing_valid(lines, rejected)
        if lines:
            await _store(request, lines)
    except IngestionRefused as refused:
        return _refusal(refused)
    answer: dict[str, Any] = {"success": True, "accepted": len(lines)}
    if rejected:
        answer["rejected"] = rejected
    return _answer(200, answer)


def _refuse_if_nothing_valid(lines: list[bytes], rejected: list[dict[str, Any]]) -> None:
    if rejected and not lines:
        first = rejected[0]
        where = f"message {first['index']}"
        raise IngestionRefused(
            400, first["code"], f"no message was valid; {where}: {first['message']}"
        )


def _unpack_batch(document: Any, source_id: int) -> tuple[list[Any], Receipt]:
    if not isinstance(document, dict) or not isinstance(document.get("batch"), list):
        raise IngestionRefused(400, "invalid_batch", 'a batch is {"batch": [messages...]}')
    sent_at = document.get("sentAt")
    try:
        sent = parse_timestamp(sent_at, "sentAt") if sent_at is not None else None
    except MessageRejected as rejected:
        raise IngestionRefused(400, rejected.code, rejected.message) from None
    return document["batch"], Receipt(source_id=source_id, received_at=utcnow(), sent_at=sent)


def _single_route(call_type: str) -> None:
    async def endpoint(request: Request) -> Response:
        return await _single(request, call_type)

    endpoint.__name__ = call_type
    endpoint.__doc__ = f"One ``{call_type}`` message (Segment spec), at most 32 KB."
    router.add_api_route(f"/{call_type}", endpoint, methods=["POST"], summary=f"{call_type}")


for _call_type in sorted(CALL_TYPES):
    _single_route(_call_type)
