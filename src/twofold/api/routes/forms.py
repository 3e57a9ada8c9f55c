"""/api/v1/forms: web form definitions, their embeddable snippet and their submissions.
The public endpoint the forms post to is ``/f/{token}`` (api/public_forms.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.leads import FormOut, SnippetOut, SubmissionOut
from twofold.forms import actions
from twofold.forms.schemas import FormCreate, FormUpdate
from twofold.forms.snippet import form_snippet
from twofold.forms.submissions import recent_submissions

router = APIRouter(prefix="/forms", tags=["forms"])


def _out(form_out: FormOut, response: Response) -> FormOut:
    set_etag(response, form_out.version)
    return form_out


@router.get("")
def list_(session: DbSession) -> list[FormOut]:
    """Every form, by name."""
    return [FormOut.of(form) for form in actions.list_forms(session)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create(data: FormCreate, session: DbSession, user: ApiUser, response: Response) -> FormOut:
    """Define a form (admins, managers, marketers); it gets a public token at once."""
    return _out(FormOut.of(actions.create_form(session, actor=user, data=data)), response)


@router.get("/{form_id}")
def read(form_id: int, session: DbSession, response: Response) -> FormOut:
    """One form; the ``ETag`` header carries its version."""
    return _out(FormOut.of(actions.get_form(session, form_id)), response)


@router.patch("/{form_id}")
def update(
    form_id: int,
    data: FormUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> FormOut:
    """Change the fields sent (``fields`` replaces every field)."""
    form = actions.get_form(session, form_id)
    actions.update_form(
        session, actor=user, form=form, data=data, expected_version=expected_version
    )
    return _out(FormOut.of(form), response)


@router.delete("/{form_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(form_id: int, session: DbSession, user: ApiUser) -> None:
    """Delete a form without submissions (409 otherwise: deactivate it)."""
    actions.delete_form(session, actor=user, form=actions.get_form(session, form_id))


@router.post("/{form_id}/token")
def rotate_token(form_id: int, session: DbSession, user: ApiUser, response: Response) -> FormOut:
    """A new public token; pages with the old snippet stop working."""
    form = actions.rotate_token(session, actor=user, form=actions.get_form(session, form_id))
    return _out(FormOut.of(form), response)


@router.get("/{form_id}/snippet")
def snippet(form_id: int, session: DbSession, settings: AppSettings) -> SnippetOut:
    """The HTML to paste into a web page (posting to this server's public address)."""
    form = actions.get_form(session, form_id)
    return SnippetOut(html=form_snippet(form, base_url=settings.link_base))


@router.get("/{form_id}/submissions")
def submissions(
    form_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[SubmissionOut]:
    """The form's latest submissions, newest first."""
    actions.get_form(session, form_id)
    return [
        SubmissionOut.model_validate(s) for s in recent_submissions(session, form_id, limit=limit)
    ]
