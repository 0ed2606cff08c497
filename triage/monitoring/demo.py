"""Demo reviews for monitoring on a synthetic city: MASH workers confirming and overriding its
decisions, so the override, review-time and fairness views have something to show. Synthetic
data only; every review goes through the casework service a worker's would
(`triage.casework.reviews.review`), at the moment it is drawn to happen.

How the workers are drawn to behave (seeded per episode, so the same store gets the same reviews):

- each vetted episode's newest decision is reviewed by one of the demo MASH workers, taken in
  turn at random, `REVIEWED` of the time;
- the review comes some hours after the decision: log-normal, with a median by level
  (`MEDIAN_HOURS`: an hour for a high, most of a day for a low);
- a worker raises a level one step, for a partner agency's information, more often when the
  city's hidden truth says the child came to harm (`RAISE`), and lowers one step, never below
  the police grade, more often when it says not (`LOWER`); the second worker (`mash2.demo`)
  overrides twice as often as the first, for the by-worker view to show.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import decisions
from triage.accounts.demo import DEMO_ACCOUNTS
from triage.accounts.roles import Role
from triage.accounts.service import create_user, get_by_username
from triage.casework.reviews import review, reviews_of
from triage.notification.vocabulary import RiskGrade
from triage.store.tables import EpisodeRecord, UserRecord

REVIEWED = 0.8
MEDIAN_HOURS = {"high": 1.0, "medium": 6.0, "low": 18.0, "no_apparent_risk": 30.0}
# Chance of raising (when harm came) or lowering (when it did not), for the first worker.
RAISE = {True: 0.30, False: 0.04}
LOWER = {True: 0.02, False: 0.12}
WORKERS = {"mash.demo": 1.0, "mash2.demo": 2.0}  # how often each overrides, relatively
REASON = "partner_information"  # a policy reason that may raise or lower


@dataclass(frozen=True)
class DemoReviews:
    reviewed: int
    raised: int
    lowered: int
    last_at: datetime | None  # when the last review was made


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def review_demo_decisions(
    session: Session,
    *,
    rules_dir: Path,
    outcomes: Mapping[str, bool],
    now: datetime,
    seed: int = 7,
) -> DemoReviews:
    """Review the store's decisions as the module says. `outcomes` by police reference (the
    city's truth.csv). The two demo MASH workers are made if missing. Episodes already reviewed
    are left alone, so it is safe to run again."""
    workers = [_worker(session, username, now) for username in WORKERS]
    reviewed = raised = lowered = 0
    last: datetime | None = None
    episodes = session.scalars(select(EpisodeRecord).order_by(EpisodeRecord.id)).all()
    for episode in episodes:
        rng = np.random.default_rng([seed, episode.id])  # an episode's draws are its own
        decision = decisions.newest(session, episode.id)
        if decision is None or rng.random() >= REVIEWED:
            continue
        if reviews_of(session, episode.id):
            continue
        k = int(rng.integers(len(workers)))
        worker = workers[k]
        bias = list(WORKERS.values())[k]
        level = RiskGrade(decision.vetted_level)
        hours = float(rng.lognormal(np.log(MEDIAN_HOURS[level.value]), 0.8))
        at = _utc(decision.decided_at) + timedelta(hours=hours)
        harm = bool(outcomes.get(episode.police_reference, False))
        police = RiskGrade(episode.police_risk_grade)
        target: RiskGrade | None = None
        draw = rng.random()
        if draw < RAISE[harm] * bias and level.rank < RiskGrade.HIGH.rank:
            target = _step(level, +1)
        elif draw > 1 - LOWER[harm] * bias and level.rank > police.rank:
            target = _step(level, -1)
        review(
            session,
            police_reference=episode.police_reference,
            decision_id=decision.id,
            reviewer=worker,
            confirm=target is None,
            level=target,
            reason_code=None if target is None else REASON,
            reason_text=None,
            rules_dir=rules_dir,
            now=at,
        )
        reviewed += 1
        raised += target is not None and target.rank > level.rank
        lowered += target is not None and target.rank < level.rank
        last = at if last is None or at > last else last
    return DemoReviews(reviewed, raised, lowered, last)


def _worker(session: Session, username: str, now: datetime) -> UserRecord:
    """The demo MASH worker, made (with a random password) if missing."""
    user = get_by_username(session, username)
    if user is not None:
        return user
    name = next(name for login, name, _role in DEMO_ACCOUNTS if login == username)
    return create_user(
        session,
        username=username,
        display_name=name,
        role=Role.MASH_WORKER,
        password=secrets.token_urlsafe(12),
        now=now,
    )


def _step(level: RiskGrade, way: int) -> RiskGrade:
    ordered = sorted(RiskGrade, key=lambda g: g.rank)
    return ordered[ordered.index(level) + way]
