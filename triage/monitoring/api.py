"""Monitoring for analysts and admins: override rates, time to review, live calibration and
fairness, pseudonymised, each reading audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from triage.audit import Actor
from triage.http.deps import Services, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.monitoring.schemas import CalibrationOut, FairnessOut, OverridesOut, ReviewTimesOut
from triage.monitoring.service import READERS, Monitoring, Outcomes, View, monitor, shows_names
from triage.store.tables import UserRecord

router = APIRouter(tags=["analytics"])
Reader = Annotated[UserRecord, Depends(allow(*READERS))]


def _seen(session: Session, svc: Services, user: UserRecord, view: View) -> Monitoring:
    settings = svc.settings
    return monitor(
        session,
        svc.pseudonyms,
        actor=Actor.of(user),
        now=svc.clock(),
        outcomes=Outcomes.from_file(settings.outcomes_file, label=settings.outcomes_label),
        worker_names=shows_names(user),
        view=view,
    )


@router.get(
    "/analytics/overrides", response_model=OverridesOut, responses=problem_responses(401, 403)
)
def analytics_overrides(session: SessionDep, svc: ServicesDep, user: Reader) -> OverridesOut:
    """Override rates by rule, by the machine's level, by team and by reviewer (a keyed
    pseudonym for analysts, the name for admins). `look_at` marks a group overridden more
    than the rest beyond chance. Reading it is audited."""
    seen = _seen(session, svc, user, "overrides")
    return OverridesOut.of(seen, workers_named=shows_names(user))


@router.get(
    "/analytics/review-times", response_model=ReviewTimesOut, responses=problem_responses(401, 403)
)
def analytics_review_times(session: SessionDep, svc: ServicesDep, user: Reader) -> ReviewTimesOut:
    """Hours from arrival to first review (median, 90th percentile) by the level vetted on
    arrival, against that decision's earliest deadline. Reading it is audited."""
    return ReviewTimesOut.of(_seen(session, svc, user, "review_times"))


@router.get(
    "/analytics/calibration", response_model=CalibrationOut, responses=problem_responses(401, 403)
)
def analytics_calibration(session: SessionDep, svc: ServicesDep, user: Reader) -> CalibrationOut:
    """The score's live calibration per band, over episodes whose outcome is known (from
    TRIAGE_OUTCOMES_FILE); those not yet known or unlabelled counted apart. Reading it is
    audited."""
    return CalibrationOut.of(_seen(session, svc, user, "calibration"))


@router.get(
    "/analytics/fairness", response_model=FairnessOut, responses=problem_responses(401, 403)
)
def analytics_fairness(session: SessionDep, svc: ServicesDep, user: Reader) -> FairnessOut:
    """Shares vetted high, raised and lowered by a person, per group of sex, ethnicity, age
    band, looked-after status and area, with 95% intervals and small-number suppression; a
    difference called out only where its interval excludes zero. Reading it is audited."""
    return FairnessOut.of(_seen(session, svc, user, "fairness"))
