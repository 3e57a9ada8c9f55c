"""``POST /api/v1/inbound/email``: replies to sales sequences, posted by an inbound-parse
service or a mailbox forwarder (decision 0023).

No API key: the post is signed with the inbound secret (``X-Twofold-Signature``, the
outgoing webhooks' scheme) or carries it as ``Authorization: Bearer``; anything else is 401.
Then the JSON (400 malformed, 422 invalid), then the match (404 when no enrollment matches;
nothing is stored). 200 with what was matched and stopped; the same Message-ID again answers
the first result with ``duplicate: true``.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from twofold.core.errors import NotAuthenticated
from twofold.core.settings import Settings
from twofold.sequences.replies import InboundEmailIn, is_authentic, record_reply
from twofold.store.database import Database

router = APIRouter(prefix="/api/v1/inbound", tags=["sequences"])


class InboundOut(BaseModel):
    """What the email did: the enrollments it matched and how many it stopped."""

    inbound_id: int
    matched_by: str
    person_id: int | None
    activity_id: int | None
    enrollment_ids: list[int]
    stopped: int
    duplicate: bool


@router.post("/email", summary="Receive a reply to a sequence email")
async def inbound_email(request: Request) -> InboundOut:
    """A reply: matched by the quoted Message-ID (In-Reply-To / References) or the sender."""
    settings: Settings = request.app.state.settings
    body = await request.body()
    if not is_authentic(
        settings.secret_key,
        signature=request.headers.get("x-twofold-signature"),
        authorization=request.headers.get("authorization"),
        body=body,
        now=time.time(),
    ):
        raise NotAuthenticated("missing or wrong X-Twofold-Signature (or inbound bearer secret)")
    try:
        data = InboundEmailIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    database: Database = request.app.state.database
    return await run_in_threadpool(_record, database, data)


def _record(database: Database, data: InboundEmailIn) -> InboundOut:
    with database.transaction() as session:
        outcome = record_reply(session, data)
        return InboundOut(
            inbound_id=outcome.inbound_id,
            matched_by=outcome.matched_by,
            person_id=outcome.person_id,
            activity_id=outcome.activity_id,
            enrollment_ids=outcome.enrollment_ids,
            stopped=outcome.stopped,
            duplicate=outcome.duplicate,
        )
