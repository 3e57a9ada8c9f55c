"""/api/v1/users, /api/v1/api-keys and /api/v1/custom-fields."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import Field
from sqlalchemy import select

from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.common import ListOut, OutModel
from twofold.auth.credentials import create_api_key, revoke_api_key
from twofold.auth.permissions import ensure_admin
from twofold.auth.users import create_user
from twofold.core.enums import Role
from twofold.core.errors import NotFound
from twofold.core.inputs import InputModel
from twofold.customfields.definitions import (
    CustomFieldCreate,
    define_custom_field,
    list_custom_fields,
)
from twofold.forecasting.teams import set_manager
from twofold.store.models import ApiKey, User

router = APIRouter(tags=["administration"])


class UserOut(OutModel):
    """A user (never their password hash)."""

    id: int
    email: str
    name: str
    role: str
    manager_id: int | None
    is_active: bool


class UserCreate(InputModel):
    """A new user."""

    email: str = Field(examples=["rep@example.com"])
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=500)
    role: Role


class UserUpdate(InputModel):
    """Changes to a user: for now, who they report to (``null``: nobody)."""

    manager_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class ApiKeyOut(OutModel):
    """An API key's metadata (the secret is only shown when created)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    """A new API key: store ``key`` now, it is never shown again."""

    key: str


class ApiKeyCreate(InputModel):
    """A label for a new key."""

    name: str = Field(default="default", min_length=1, max_length=200)


class CustomFieldOut(OutModel):
    """A custom field definition."""

    id: int
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    required: bool
    position: int


@router.get("/users/me")
def me(user: ApiUser) -> UserOut:
    """The user the API key belongs to."""
    return UserOut.model_validate(user)


@router.get("/users")
def users(session: DbSession) -> ListOut[UserOut]:
    """Every user (a CRM has tens to hundreds, so one page)."""
    rows = session.scalars(select(User).order_by(User.name, User.id))
    return ListOut(items=[UserOut.model_validate(u) for u in rows], next_cursor=None)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(data: UserCreate, session: DbSession, user: ApiUser) -> UserOut:
    """Create a user (admins only)."""
    ensure_admin(user)
    created = create_user(
        session, email=data.email, name=data.name, password=data.password, role=data.role
    )
    return UserOut.model_validate(created)


@router.patch("/users/{user_id}")
def update_user(
    user_id: int,
    data: UserUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> UserOut:
    """Change who a user reports to (admins only); a manager from their own team is refused."""
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"no user {user_id}")
    if "manager_id" in data.model_fields_set:
        set_manager(
            session,
            actor=user,
            user=target,
            manager_id=data.manager_id,
            expected_version=expected_version,
        )
    else:
        ensure_admin(user)
    set_etag(response, target.version)
    return UserOut.model_validate(target)


@router.get("/api-keys")
def api_keys(session: DbSession, user: ApiUser) -> ListOut[ApiKeyOut]:
    """Your API keys."""
    rows = session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id))
    return ListOut(items=[ApiKeyOut.model_validate(k) for k in rows], next_cursor=None)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
def add_api_key(data: ApiKeyCreate, session: DbSession, user: ApiUser) -> ApiKeyCreated:
    """Issue a new key for yourself; the response is the only time the secret is shown."""
    issued = create_api_key(session, user=user, name=data.name)
    return ApiKeyCreated(key=issued.secret, **ApiKeyOut.model_validate(issued.record).model_dump())


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke(key_id: int, session: DbSession, user: ApiUser) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    revoke_api_key(session, user=user, key_id=key_id)


@router.get("/custom-fields")
def custom_fields(
    session: DbSession, entity: Literal["account", "person", "deal"]
) -> ListOut[CustomFieldOut]:
    """The custom fields of accounts, persons or deals."""
    rows = list_custom_fields(session, entity)
    return ListOut(items=[CustomFieldOut.model_validate(d) for d in rows], next_cursor=None)


@router.post("/custom-fields", status_code=status.HTTP_201_CREATED)
def add_custom_field(data: CustomFieldCreate, session: DbSession, user: ApiUser) -> CustomFieldOut:
    """Define a custom field (admins only)."""
    return CustomFieldOut.model_validate(define_custom_field(session, actor=user, data=data))
