"""Refuse oversized request bodies before they are read into memory."""

from __future__ import annotations

import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twofold.ingest.messages import MAX_BATCH_BYTES


class BodySizeLimit:
    """ASGI middleware answering 413 (JSON) when a body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length up front and count streamed bytes as they arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, scope)
            return
        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                exceeded = True
                raise BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn the error raised in ``receive`` into its own 400;
            # whatever it answers, the client gets our 413.
            if not exceeded:
                await send(message)

        with contextlib.suppress(BodyTooLargeError):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded:
            await self._refuse(send, scope)

    async def _refuse(self, send: Send, scope: Scope) -> None:
        # The Segment-compatible endpoints answer 400 for oversized input, as Segment does.
        segment = str(scope.get("path", "")).startswith("/v1/")
        code = "batch_too_large" if segment else "payload_too_large"
        message = (
            f"a batch may be at most {MAX_BATCH_BYTES} bytes"
            if segment
            else f"the request body is larger than {self.max_bytes} bytes"
        )
        body = json.dumps(
            {"error": {"code": code, "message": message}, "code": code, "message": message}
            if segment
            else {"error": {"code": code, "message": message}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400 if segment else 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BodyTooLargeError(Exception):
    """Raised inside the app when the streamed body passes the limit."""
