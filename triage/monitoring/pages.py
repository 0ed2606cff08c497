"""The monitoring page for analysts and admins: override rates, time to review, live calibration
and fairness, the same tables the API answers (`triage.monitoring.schemas`), tables first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from triage.audit import Actor
from triage.http.deps import SessionDep, services
from triage.http.pages import page_roles, render
from triage.monitoring.schemas import CalibrationOut, FairnessOut, OverridesOut, ReviewTimesOut
from triage.monitoring.service import READERS, Outcomes, monitor, shows_names
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
Reader = Annotated[UserRecord, Depends(page_roles(*READERS))]
FEATURES = {
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "age_band": "Age band",
    "looked_after": "Looked after",
    "area": "Area",
}
MEASURES = {
    "vetted_high": "Vetted high",
    "raised": "Raised by a person",
    "lowered": "Lowered by a person",
}


@router.get("/monitoring")
def monitoring_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    svc = services(request)
    settings = svc.settings
    named = shows_names(user)
    seen = monitor(
        session,
        svc.pseudonyms,
        actor=Actor.of(user),
        now=svc.clock(),
        outcomes=Outcomes.from_file(settings.outcomes_file, label=settings.outcomes_label),
        worker_names=named,
        view="all",
    )
    return render(
        request,
        "monitoring.html",
        user=user,
        overrides=OverridesOut.of(seen, workers_named=named),
        review_times=ReviewTimesOut.of(seen),
        calibration=CalibrationOut.of(seen),
        fairness=FairnessOut.of(seen),
        features=FEATURES,
        measures=MEASURES,
    )
