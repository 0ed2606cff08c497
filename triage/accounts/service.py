"""Users: create, find, authenticate. Passwords are hashed with Argon2 (pwdlib); never stored."""

from __future__ import annotations

from datetime import datetime

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.accounts.roles import Role
from triage.accounts.tokens import TokenClaims
from triage.audit import Actor
from triage.errors import (
    AccountLocked,
    AuthenticationFailed,
    RecordNotFound,
    Throttled,
    UserError,
)
from triage.store.tables import RevokedToken, UserRecord

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


LOCK_AFTER = 5  # wrong passwords in a row before the account locks
_UNKNOWN = "(unknown)"  # what the audit trail says of a username no account has


class AddressThrottle:
    """At most `per_minute` sign-in attempts from one address in any minute (a moving window,
    by the `limits` library). Per process; the lockout per account is in the database."""

    def __init__(self, per_minute: int = 10) -> None:
        self._limit = parse(f"{per_minute}/minute")
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, address: str) -> bool:
        return self._window.hit(self._limit, "sign-in", address)


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    via: str,
    address: str,
    throttle: AddressThrottle,
    now: datetime,
) -> UserRecord:
    """Check a username and password, and write the attempt to the audit trail, whatever its
    outcome. Raises Throttled (too many attempts from `address`), AccountLocked or
    AuthenticationFailed; the caller must still commit, so that failures are counted and
    audited (answer the refusal without raising out of the transaction)."""
    user = get_by_username(session, username)
    if not throttle.allow(address):
        _refused(session, user, "throttled", via, now)
        raise Throttled("too many sign-in attempts from this address; wait a minute")
    if user is not None and user.locked_at is not None:
        _refused(session, user, "locked", via, now)
        raise AccountLocked("this account is locked after too many wrong passwords; ask an admin")
    try:
        user = authenticate(session, username, password)
    except AuthenticationFailed:
        if user is not None:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= LOCK_AFTER:
                user.locked_at = now
        _refused(session, user, "wrong password" if user else "unknown username", via, now)
        if user is not None and user.locked_at is not None:
            raise AccountLocked(
                "this account is now locked after too many wrong passwords; ask an admin"
            ) from None
        raise
    user.failed_sign_ins = 0
    audit.record(
        session, Actor.of(user), "sign_in", record_type="user", record_id=user.id, now=now, via=via
    )
    return user


def _refused(session: Session, user: UserRecord | None, why: str, via: str, now: datetime) -> None:
    actor = Actor.of(user) if user else Actor(user_id=None, username=_UNKNOWN, role="none")
    audit.record(
        session,
        actor,
        "sign_in_refused",
        record_type="user",
        record_id=user.id if user else _UNKNOWN,
        now=now,
        via=via,
        why=why,
    )
    session.flush()


def unlock(session: Session, username: str, *, by: UserRecord | None, now: datetime) -> UserRecord:
    """Lift an account's lockout (an admin's, or `triage users unlock` at the console)."""
    user = get_by_username(session, username)
    if user is None:
        raise RecordNotFound("account", username)
    user.locked_at, user.failed_sign_ins = None, 0
    actor = Actor.of(by) if by else Actor(user_id=None, username="console", role="admin")
    audit.record(session, actor, "unlock_account", record_type="user", record_id=user.id, now=now)
    return user


def sign_out(session: Session, user: UserRecord, *, token: TokenClaims, now: datetime) -> None:
    """End a sign-in now: its token is refused from the next request on, before it expires."""
    if session.get(RevokedToken, token.token_id) is None:
        session.add(
            RevokedToken(
                token_id=token.token_id,
                user_id=user.id,
                revoked_at=now,
                expires_at=token.expires_at,
            )
        )
    audit.record(
        session, Actor.of(user), "sign_out", record_type="user", record_id=user.id, now=now
    )


def is_revoked(session: Session, token: TokenClaims) -> bool:
    return session.get(RevokedToken, token.token_id) is not None


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)
