"""What every page shares: the templates and their filters, rendering with a CSRF token, the
signed-in person (a signed cookie holding the same token the API uses), role checks, checked
forms, and errors as pages. Each domain's pages are in `<domain>/pages.py`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from triage.accounts.roles import CASEWORK, DESCRIPTIONS, Role
from triage.casework import dates
from triage.casework.vocabulary import in_words, said
from triage.http import csrf
from triage.http.deps import SESSION_COOKIE, SessionDep, services, user_from_token
from triage.http.problems import ProblemException, as_problem, problem_response
from triage.store.tables import UserRecord

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
PER_PAGE = 25


def paged(total: int, page: int, **filters: object) -> dict[str, Any]:
    """What a listed page's template needs to page: the total, this page, how many pages, the
    page numbers to offer (None where numbers are left out), and its filters as a query string
    (for the `pagination` macro; empty filters left out)."""
    pages = max(1, -(-total // PER_PAGE))
    return {
        "total": total,
        "page": page,
        "pages": pages,
        "numbers": page_numbers(page, pages),
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }


def page_numbers(page: int, pages: int) -> list[int | None]:
    """GOV.UK pagination's numbers: the first, the last, this page and its neighbours, with
    None for each gap ("1 … 4 5 6 … 20")."""
    shown = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def words(code: object) -> str:
    """A code as words: `return_home_interview` -> "Return home interview"."""
    text = str(code).replace("_", " ")
    return text[:1].upper() + text[1:]


UK = ZoneInfo("Europe/London")


def when(value: datetime | None) -> str:
    """A moment as UK time, as GOV.UK writes it in a table: "3 Dec 2026 at 2:30pm"."""
    return dates.moment(value, short=True)


def for_how_long(start: datetime | None, end: datetime | None) -> str:
    """A span in words a worker reads at a glance: "2 days 4 hours", "5 hours", "40 minutes"."""
    if start is None or end is None:
        return ""
    minutes = max(int((end - start).total_seconds() // 60), 0)
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (
            f" {hours} hour{'s' if hours != 1 else ''}" if hours else ""
        )
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def shown(value: object) -> str:
    """An evidence value as words: lists joined, codes spelt out, booleans as yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value) or "none"
    return str(value).replace("_", " ")


def sentence(text: object) -> str:
    """A message as a sentence: capital first letter, the rest as written."""
    value = str(text)
    return value[:1].upper() + value[1:]


def trigger(code: str) -> str:
    """Why a decision was made, as words."""
    if code.startswith("still_missing_") and code.endswith("h"):
        return f"Still missing at {code.removeprefix('still_missing_').removesuffix('h')} hours"
    return {
        "version": "Police sent this version",
        "retry": "Vetted again after vetting failed",
        "revet": "Re-vetted by hand",
        "interview_disclosure": "Indicators disclosed in a return home interview",
    }.get(code, words(code))


templates.env.filters["trigger"] = trigger
templates.env.filters["words"] = words
templates.env.filters["sentence"] = sentence
templates.env.filters["when"] = when
templates.env.filters["shown"] = shown
templates.env.filters["said"] = said
templates.env.filters["in_words"] = in_words
templates.env.globals["for_how_long"] = for_how_long


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


class SignInRequired(Exception):
    """Raised on a page when nobody is signed in: answered by a redirect to the sign-in page."""


def page_user(request: Request, session: SessionDep) -> UserRecord:
    try:
        return user_from_token(request.cookies.get(SESSION_COOKIE), services(request), session)
    except ProblemException as exc:
        raise SignInRequired from exc


def page_roles(*roles: Role) -> Any:
    allowed = frozenset(roles)

    def check(user: Annotated[UserRecord, Depends(page_user)]) -> UserRecord:
        if Role(user.role) not in allowed:
            raise ProblemException(
                403,
                "forbidden",
                "You cannot see this page",
                f"Signed in as {DESCRIPTIONS[Role(user.role)]}: this page is for "
                + " and ".join(DESCRIPTIONS[r] for r in sorted(allowed))
                + ".",
            )
        return user

    return check


CaseUser = Annotated[UserRecord, Depends(page_roles(*CASEWORK))]

AdminUser = Annotated[UserRecord, Depends(page_roles(Role.ADMIN))]


async def checked_form(request: Request) -> FormData:
    form = await request.form()
    secret = services(request).csrf_secret
    submitted = form.get(csrf.FIELD)
    if not csrf.valid(
        secret, request.cookies.get(csrf.COOKIE), submitted if isinstance(submitted, str) else None
    ):
        raise ProblemException(
            403,
            "csrf",
            "This form has expired",
            "The form could not be checked. Go back, reload the page and try again.",
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def render(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    user: UserRecord | None = None,
    **context: Any,
) -> HTMLResponse:
    svc = services(request)
    token = request.cookies.get(csrf.COOKIE)
    fresh = token is None or not csrf.valid(svc.csrf_secret, token, token)
    if fresh:
        token = csrf.new_token(svc.csrf_secret)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "role_name": DESCRIPTIONS.get(Role(user.role)) if user else None,
            "csrf_field": csrf.FIELD,
            "csrf_token": token,
            **context,
        },
        status_code=status_code,
    )
    if fresh:
        response.set_cookie(
            csrf.COOKIE,
            token or "",
            httponly=True,
            samesite="strict",
            secure=svc.settings.secure_cookies,
            path="/",
        )
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


async def error_handler(request: Request, exc: Exception) -> Response:
    """The API answers problems; pages answer a page (or send people to sign in)."""
    if request.url.path.startswith("/api/"):
        return await problem_response(request, exc)
    problem = as_problem(exc)
    if problem.status == 401:
        return see_other("/sign-in?next=" + quote(request.url.path))
    return render(request, "error.html", status_code=problem.status, problem=problem)


def sign_in_required(request: Request, exc: Exception) -> Response:
    return see_other("/sign-in?next=" + quote(request.url.path))
