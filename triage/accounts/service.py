"""Users: create, find, authenticate. Passwords are hashed with Argon2 (pwdlib); never stored."""

from __future__ import annotations

from datetime import datetime

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.accounts.roles import Role
from triage.audit import Actor
from triage.errors import AuthenticationFailed, UserError
from triage.store.tables import UserRecord

MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHash.recommended()
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-for-timing")


def get_by_username(session: Session, username: str) -> UserRecord | None:
    return session.scalar(select(UserRecord).where(UserRecord.username == username))


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    now: datetime,
) -> UserRecord:
    if not username or not username.replace("-", "").replace(".", "").isalnum():
        raise UserError("username", "use letters, digits, dots and hyphens only")
    if get_by_username(session, username) is not None:
        raise UserError("username", f"{username!r} is already taken")
    user = UserRecord(
        username=username,
        display_name=display_name,
        role=Role(role).value,
        password_hash=_hash(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: UserRecord, password: str) -> None:
    user.password_hash = _hash(password)


def authenticate(session: Session, username: str, password: str) -> UserRecord:
    user = get_by_username(session, username)
    if user is None:
        _HASHER.verify(password, _DUMMY_HASH)
        raise AuthenticationFailed("the username or password is not right")
    valid, new_hash = _HASHER.verify_and_update(password, user.password_hash)
    if not valid or not user.active:
        raise AuthenticationFailed("the username or password is not right")
    if new_hash is not None:  # the recommended parameters moved on: store the stronger hash
        user.password_hash = new_hash
    return user


def sign_in(
    session: Session, username: str, password: str, *, via: str, now: datetime
) -> UserRecord:
    """`authenticate`, and the sign-in written to the audit trail (`via` "api" or "pages")."""
    user = authenticate(session, username, password)
    audit.record(
        session,
        Actor.of(user),
        "sign_in",
        record_type="user",
        record_id=user.id,
        now=now,
        via=via,
    )
    return user


def sign_out(session: Session, user: UserRecord, *, now: datetime) -> None:
    """The sign-out written to the audit trail."""
    audit.record(
        session, Actor.of(user), "sign_out", record_type="user", record_id=user.id, now=now
    )


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)
