"""The ruleset history page for analysts and admins: every version made live (when, by whom,
approved by whom, the equality impact note, the back-test headline), which is live now, and a
version's files with what changed from the version it replaced. Rule files hold no personal
data, so nothing here is pseudonymised or audited as a read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRouter

from triage.accounts.roles import Role
from triage.errors import RecordNotFound
from triage.http.deps import SessionDep, services
from triage.http.pages import page_roles, render
from triage.rulesets import diff, history
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
Analyst = Annotated[UserRecord, Depends(page_roles(Role.ANALYST, Role.ADMIN))]
VersionQuery = Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")]


@router.get("/analysis/rulesets")
def rulesets_page(
    request: Request,
    session: SessionDep,
    user: Analyst,
    version: VersionQuery = None,
    file: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    found = history.history(session, services(request).vetter.rulebook.directory)
    files, before, changes, shown = None, None, None, None
    if version is not None:
        files = history.files_of(session, version)
        before = history.before(session, version)
        changes = diff.changes(history.files_of(session, before) if before else {}, files)
        if file is not None:
            if file not in files:
                raise RecordNotFound(f"file of ruleset {version[:12]}", file)
            shown = file
    return render(
        request,
        "rulesets.html",
        user=user,
        history=found,
        version=version,
        files=files,
        before=before,
        changes=changes,
        shown=shown,
    )
