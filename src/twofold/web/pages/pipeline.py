"""The pipeline board: columns per stage, deal cards, and moving cards between stages.

A card moves with drag and drop (static/twofold.js submits the card's own move form) or
with the card's stage ``<select>`` and "Move" button, which also works without JavaScript.
When a stage gate refuses the move, the board is drawn again with the message on the card
and inputs for the missing fields that can be filled in right there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.deals.actions import get_deal, update_deal
from twofold.deals.board import pipeline_board
from twofold.deals.schemas import DealUpdate
from twofold.pipelines.actions import default_pipeline, get_pipeline, get_stage, list_pipelines
from twofold.store.models import User
from twofold.web.dependencies import (
    DbSession,
    SubmittedForm,
    WebFormUser,
    WebUser,
    form_text,
    is_htmx,
)
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.pages.shared import OptionalId, RecordId, see_other
from twofold.web.templating import render

# Fields a card can ask for when a stage gate misses them; other criteria need the deal page.
FILLABLE_ON_CARD = ("amount", "expected_close_date", "next_step", "lost_reason")
MINE = "me"

router = APIRouter()


@dataclass(frozen=True)
class CardProblem:
    """Why a card did not move, with the form as it was sent and what can be filled in."""

    form: FormView
    fillable: list[str]
    elsewhere: list[str]


@router.get("/pipeline", include_in_schema=False)
def pipeline_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    pipeline_id: OptionalId = None,
    owner: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The board of one pipeline (the default one unless ``pipeline_id`` is given)."""
    pipeline = get_pipeline(session, pipeline_id) if pipeline_id else default_pipeline(session)
    return _board(request, session, user, pipeline_id=pipeline.id, owner=owner)


@router.post("/pipeline/deals/{deal_id}/move", include_in_schema=False)
def move_card(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, deal_id: RecordId
) -> Response:
    """Move a deal to the chosen stage, filling in any gate fields sent along with it."""
    deal = get_deal(session, deal_id)
    owner = form_text(form, "owner")
    problems = FormProblems()
    stage_id = parse_id(form_text(form, "stage_id"))
    if stage_id is None:
        problems.refuse("stage_id", "choose a stage")
    else:
        with problems.capture(session):
            values = {**schema_input(form, FILLABLE_ON_CARD), "stage_id": stage_id}
            update_deal(session, actor=user, deal=deal, data=DealUpdate.model_validate(values))
    if not problems and not is_htmx(request):
        query = f"?pipeline_id={deal.pipeline_id}" + (f"&owner={MINE}" if owner == MINE else "")
        return see_other(f"/pipeline{query}#deal-{deal.id}")
    if problems:
        return _board(
            request,
            session,
            user,
            pipeline_id=deal.pipeline_id,
            owner=owner,
            card_problems={deal.id: _card_problem(form, problems)},
            status_code=problems.status,
            fragment=is_htmx(request),
        )
    moved = (deal.name, get_stage(session, deal.stage_id).name)
    return _board(
        request,
        session,
        user,
        pipeline_id=deal.pipeline_id,
        owner=owner,
        moved=moved,
        fragment=True,
    )


def _board(
    request: Request,
    session: Session,
    user: User,
    *,
    pipeline_id: int,
    owner: str,
    card_problems: dict[int, CardProblem] | None = None,
    status_code: int = 200,
    fragment: bool = False,
    moved: tuple[str, str] | None = None,
) -> Response:
    board = pipeline_board(
        session, pipeline_id=pipeline_id, owner_id=user.id if owner == MINE else None
    )
    context = {
        "board": board,
        "pipelines": list_pipelines(session),
        "owner": MINE if owner == MINE else "",
        "card_problems": card_problems or {},
        "moved": moved,
    }
    template = "pipeline/_board.html" if fragment else "pipeline/board.html"
    return render(request, template, context, status_code=status_code)


def _card_problem(form: SubmittedForm, problems: FormProblems) -> CardProblem:
    missing = list(problems.errors)
    return CardProblem(
        form=submitted(form, problems),
        fillable=[name for name in FILLABLE_ON_CARD if name in missing],
        elsewhere=[name for name in missing if name not in FILLABLE_ON_CARD],
    )
