"""Who may use the service: users and their roles, password hashes, signed tokens."""

from triage.accounts.roles import CASEWORK, Role
from triage.accounts.service import (
    AuthenticationFailed,
    authenticate,
    create_user,
    get_by_username,
    set_password,
)
from triage.accounts.tokens import TokenError, TokenIssuer

__all__ = [
    "CASEWORK",
    "AuthenticationFailed",
    "Role",
    "TokenError",
    "TokenIssuer",
    "authenticate",
    "create_user",
    "get_by_username",
    "set_password",
]
