"""Cross-site request forgery protection: a signed double-submit token.

Each browser gets a random token in a cookie, signed with the service's key; every form carries
the same token in a hidden field. A forged request from another site can make the browser send
the cookie but cannot read it to fill the field, and cannot mint a token that verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "triage_csrf"
FIELD = "csrf_token"


def new_token(secret: bytes) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    nonce, _, signature = cookie.partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _sign(secret, nonce))


def _sign(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()
