"""/api/v1/memberships: people at accounts."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from twofold.accounts import memberships as actions
from twofold.accounts.actions import get_account
from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.records import MembershipOut
from twofold.store.models import Membership

router = APIRouter(prefix="/memberships", tags=["memberships"])


def membership_out(membership: Membership) -> MembershipOut:
    """Render a membership with its ``left`` flag."""
    values = {key: getattr(membership, key) for key in MembershipOut.model_fields if key != "left"}
    return MembershipOut(left=membership.ended_on is not None, **values)


@router.get("")
def list_(account_id: int, session: DbSession) -> list[MembershipOut]:
    """Everyone at an account, leavers included (``left: true``)."""
    get_account(session, account_id)
    return [membership_out(m) for m, _person in actions.account_members(session, account_id)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: actions.MembershipCreate, session: DbSession, user: ApiUser, response: Response
) -> MembershipOut:
    """Put a person at an account with title, department, reporting line and roles."""
    membership = actions.add_membership(session, actor=user, data=data)
    set_etag(response, membership.version)
    return membership_out(membership)


@router.get("/{membership_id}")
def read(membership_id: int, session: DbSession, response: Response) -> MembershipOut:
    """One membership."""
    membership = actions.get_membership(session, membership_id)
    set_etag(response, membership.version)
    return membership_out(membership)


@router.patch("/{membership_id}")
def update(
    membership_id: int,
    data: actions.MembershipUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> MembershipOut:
    """Change a membership; set ``ended_on`` when the person leaves."""
    membership = actions.get_membership(session, membership_id)
    actions.update_membership(
        session, actor=user, membership=membership, data=data, expected_version=expected_version
    )
    set_etag(response, membership.version)
    return membership_out(membership)


@router.delete("/{membership_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(membership_id: int, session: DbSession, user: ApiUser) -> None:
    """Remove a membership entered by mistake."""
    membership = actions.get_membership(session, membership_id)
    actions.remove_membership(session, actor=user, membership=membership)
