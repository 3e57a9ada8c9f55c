"""Users: create, authenticate, look up."""

from __future__ import annotations

from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from twofold.core.enums import Role
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.store.models import User


def normalise_login_email(email: str) -> str:
    """Validate a login email (syntax only) and lower-case it."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed.on("email", str(error)) from None
    return checked.normalized.lower()


def create_user(
    session: Session, *, email: str, name: str, password: str, role: Role | str
) -> User:
    """Add a user; the email must be unused and the password at least 10 characters."""
    login = normalise_login_email(email)
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValidationFailed.on("role", f"must be one of {choices}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            "password", f"must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if session.scalar(select(User.id).where(User.email == login)) is not None:
        raise Conflict(f"a user with email {login} already exists")
    user = User(
        email=login,
        name=name.strip() or login,
        password_hash=hash_password(password),
        role=role.value,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None``."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        # Spend the same time as a real check so that timing does not reveal valid emails.
        verify_password(_dummy_hash(), password)
        return None
    return user if verify_password(user.password_hash, password) else None


def get_user_by_email(session: Session, email: str) -> User:
    """The user with this login email, or ``NotFound``."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


def count_users(session: Session) -> int:
    """How many users exist (zero before the first admin is created)."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


@cache
def _dummy_hash() -> str:
    """A real argon2 hash to verify against when the email is unknown (computed once)."""
    return hash_password("not-a-real-password")
