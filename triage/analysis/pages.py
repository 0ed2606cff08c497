"""The back-test page for analysts and admins: pick a candidate rules folder on the server (or
one a shadow run registered), optionally a model folder, a period and an outcomes CSV, and see
the report (transition matrix with heat shading, rules firing more or less, workload per month
and area team with a chart, recall and false-positive rate with intervals) and the per-child
diff as CSV. Everything shown is pseudonymised. It runs synchronously: seconds on the demo city.
The replay reads the store in a session that rolls back, so nothing is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from triage.accounts.roles import Role
from triage.analysis import chart
from triage.analysis.backtest import Backtest, compare
from triage.analysis.outcomes import read_outcomes
from triage.analysis.replay import candidate_vetter
from triage.errors import FieldError, ModelError, RuleFileError, TriageError
from triage.http.deps import Services, SessionDep, services
from triage.http.pages import page_roles, render
from triage.shadow.tables import ShadowRun
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
Analyst = Annotated[UserRecord, Depends(page_roles(Role.ANALYST, Role.ADMIN))]


class BacktestAsked(BaseModel):
    """The back-test form's fields, the page's and the CSV's alike (all text as typed)."""

    candidate: str = Field("", max_length=500)
    model: str = Field("", max_length=500)
    since: str = Field("", max_length=500)
    until: str = Field("", max_length=500)
    outcomes: str = Field("", max_length=500)


Asked = Annotated[BacktestAsked, Query()]


def _date(errors: list[FieldError], name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(FieldError(name, "Enter a date as YYYY-MM-DD, for example 2026-06-01"))
        return None


def _folder(errors: list[FieldError], name: str, text: str) -> Path | None:
    if not text.strip():
        return None
    path = Path(text.strip())
    if not path.is_dir():
        errors.append(FieldError(name, f"There is no folder {path} on the server"))
        return None
    return path


def run(svc: Services, asked: BacktestAsked) -> tuple[Backtest | None, list[FieldError]]:
    """The back-test asked for by the form's fields, or the problems with them (each naming
    its field)."""
    candidate, model, outcomes = asked.candidate, asked.model, asked.outcomes
    since, until = asked.since, asked.until
    errors: list[FieldError] = []
    rules_dir = _folder(errors, "candidate", candidate)
    if not candidate.strip():
        errors.append(FieldError("candidate", "Enter the candidate's rules folder"))
    model_dir = _folder(errors, "model", model)
    start, end = _date(errors, "since", since), _date(errors, "until", until)
    if start and end and start > end:
        errors.append(FieldError("until", "The end of the period must not be before its start"))
    labels = None
    if outcomes.strip():
        try:
            labels = read_outcomes(Path(outcomes.strip()))
        except (OSError, TriageError, ValueError) as error:
            errors.append(FieldError("outcomes", f"The outcomes file cannot be read: {error}"))
    if errors or rules_dir is None:
        return None, errors
    try:
        trial = candidate_vetter(
            svc.vetter.rulebook.engine,
            rules_dir,
            home_authority=svc.settings.home_authority,
            model_dir=model_dir or svc.settings.model_dir,
        )
    except RuleFileError as error:
        return None, [FieldError("candidate", f"The candidate rules cannot be used: {error}")]
    except ModelError as error:
        return None, [FieldError("model", f"The candidate model cannot be used: {error}")]
    with svc.database.reading() as session:
        result = compare(
            session,
            svc.vetter,
            trial,
            pseudonyms=svc.pseudonyms,
            since=start,
            until=end,
            labels=labels,
        )
    return result, []


def heat(count: int, largest: int) -> int:
    """A transition cell's shade, 0 (none) to 4 (the largest cell), for the table's classes."""
    if count <= 0 or largest <= 0:
        return 0
    return 1 + min(3, int(3 * count / largest))


@router.get("/analysis/backtest")
def backtest_page(
    request: Request,
    session: SessionDep,
    user: Analyst,
    asked: Asked,
) -> HTMLResponse:
    svc = services(request)
    registered = session.scalars(
        select(ShadowRun.rules_dir).distinct().order_by(ShadowRun.rules_dir)
    ).all()
    result, errors = run(svc, asked) if any(asked.model_dump().values()) else (None, [])
    return render(
        request,
        "backtest.html",
        status_code=422 if errors else 200,
        user=user,
        errors=errors,
        form=asked.model_dump(),
        registered=registered,
        result=result,
        heat=heat,
        chart_svg=chart.svg(result.workload) if result is not None else None,
        chart_words=chart.describe(result.workload) if result is not None else None,
        csv_query=request.url.query,
    )


@router.get("/analysis/backtest.csv")
def backtest_csv(
    request: Request,
    user: Analyst,
    asked: Asked,
) -> Response:
    """The per-child diff of the same back-test, as CSV (pseudonymised)."""
    result, errors = run(services(request), asked)
    if result is None:
        body = "\n".join(f"{e.field}: {e.problem}" for e in errors) + "\n"
        return Response(body, status_code=422, media_type="text/plain")
    return Response(
        result.children.to_csv(index=False),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="backtest-children.csv"'},
    )
