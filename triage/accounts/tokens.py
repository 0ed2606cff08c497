"""Signed, expiring access tokens (JSON Web Tokens, HS256, by PyJWT).

A token names the user by id and carries the role it was issued for; the user is still looked up
on every request, so a deactivated account stops working at once, whatever its token says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from triage.errors import TokenError

ALGORITHM = "HS256"
AUDIENCE = "triage"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    role: str
    token_id: str
    expires_at: datetime


class TokenIssuer:
    def __init__(self, secret: str, *, lifetime: timedelta) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.lifetime = lifetime

    def issue(self, *, user_id: int, role: str, now: datetime) -> str:
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "role": role,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + self.lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read(self, token: str, *, now: datetime) -> TokenClaims:
        """The claims of a genuine, unexpired token. Expiry is judged by the service's clock
        (the same one that issued it), not the library's own."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["sub", "role", "exp", "jti"], "verify_exp": False},
            )
            expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
            user_id = int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise TokenError("the token is not valid") from exc
        if expires_at <= now:
            raise TokenError("the token has expired; sign in again")
        return TokenClaims(
            user_id=user_id,
            role=str(claims["role"]),
            token_id=str(claims["jti"]),
            expires_at=expires_at,
        )
