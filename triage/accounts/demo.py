"""Demo accounts for a development service: one per role, each with a fresh random password
printed at start. Refused outside development."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.accounts.service import create_user, get_by_username, set_password

DEMO_ACCOUNTS = (
    ("police.demo", "West Midlands Police feed", Role.POLICE_FEED),
    ("mash.demo", "Sam Patel", Role.MASH_WORKER),
    ("mash2.demo", "Alex Morgan", Role.MASH_WORKER),
    ("chair.demo", "Jo Williams", Role.PANEL_CHAIR),
    ("senior.demo", "Morgan Reid", Role.SENIOR_MANAGER),
    ("analyst.demo", "Priya Shah", Role.ANALYST),
    ("admin.demo", "Chris Evans", Role.ADMIN),
    # One missing support worker per area team (their team is set by triage.interviews.demo).
    ("rhi.south.demo", "Kerry Walsh", Role.MISSING_SUPPORT_WORKER),
    ("rhi.east.demo", "Imran Hussain", Role.MISSING_SUPPORT_WORKER),
    ("rhi.nwc.demo", "Beth Okafor", Role.MISSING_SUPPORT_WORKER),
)


@dataclass(frozen=True, slots=True)
class DemoSignIn:
    username: str
    password: str
    role: Role


def ensure_demo_accounts(session: Session, *, now: datetime) -> list[DemoSignIn]:
    """Create the demo accounts, or give existing ones a new password; return the sign-ins."""
    sign_ins = []
    for username, name, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        user = get_by_username(session, username)
        if user is None:
            create_user(
                session,
                username=username,
                display_name=name,
                role=role,
                password=password,
                now=now,
            )
        else:
            set_password(user, password)
            user.active, user.role = True, role.value
        sign_ins.append(DemoSignIn(username, password, role))
    return sign_ins
