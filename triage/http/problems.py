"""Every error in one shape (RFC 9457 problem details): type, title, status, detail, and the
fields at fault with the problem in each. Pages get the same facts as an HTML page instead."""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from triage.errors import DatabaseUnavailable, FieldError, TriageError

PROBLEM_TYPES = "https://schemas.invalid/triage/problems/"
MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. child.date_of_birth")
    problem: str


class Problem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPES + "refused",
                    "title": "The request cannot be done as asked",
                    "status": 422,
                    "detail": "reason: choose the reason for the override",
                    "errors": [
                        {"field": "reason", "problem": "choose the reason for the override"}
                    ],
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


class ProblemException(Exception):
    """Raised by our endpoints to answer with a problem; handled into the one shape."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.errors = errors or []
        self.headers = headers


def problem_body(exc: ProblemException) -> dict[str, Any]:
    return Problem(
        type=PROBLEM_TYPES + exc.kind,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        errors=[FieldProblem(field=e.field, problem=e.problem) for e in exc.errors],
    ).model_dump()


def as_problem(exc: Exception) -> ProblemException:
    """Our own errors (each class carries its answer: `triage.errors`) and FastAPI's, as
    problems; anything else is a 500, logged."""
    if isinstance(exc, ProblemException):
        return exc
    if isinstance(exc, UNANSWERED):
        # Which statement or why is never said: the message can hold the values it carried.
        exc = DatabaseUnavailable()
    if isinstance(exc, DatabaseUnavailable):
        return ProblemException(
            exc.status, exc.kind, exc.title, str(exc), headers={"Retry-After": "2"}
        )
    if isinstance(exc, TriageError):
        return ProblemException(exc.status, exc.kind, exc.title, str(exc), exc.field_errors)
    if isinstance(exc, RequestValidationError):
        errors = [
            FieldError(_field_path(error.get("loc", ())), str(error.get("msg", "is not valid")))
            for error in exc.errors()
        ]
        return ProblemException(
            422,
            "invalid-request",
            "The request is not valid",
            "; ".join(str(e) for e in errors),
            errors,
        )
    if isinstance(exc, HTTPException):  # Starlette's and FastAPI's: unknown routes, methods
        kind, title = _HTTP.get(exc.status_code, (f"http-{exc.status_code}", str(exc.detail)))
        return ProblemException(
            exc.status_code,
            kind,
            title,
            str(exc.detail),
            headers=dict(exc.headers) if exc.headers else None,
        )
    raise exc


# The database refused, timed out, was cut off, or no connection was free in time: a 503, since
# nothing was stored and the same request can be sent again.
UNANSWERED = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)

_HTTP = {
    400: ("bad-request", "The request cannot be read"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "That method is not allowed here"),
}


def _field_path(loc: Any) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] or parts
    return ".".join(parts)


async def problem_response(request: Request, exc: Exception) -> JSONResponse:
    problem = as_problem(exc)
    return JSONResponse(
        jsonable_encoder(problem_body(problem)),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors an endpoint can answer with, each with an example."""
    return {
        status: {
            "model": Problem,
            "description": _WORDS[status][0],
            "content": {
                MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": {
                        "type": PROBLEM_TYPES + _WORDS[status][1],
                        "title": _WORDS[status][2],
                        "status": status,
                        "detail": _WORDS[status][3],
                        "errors": _WORDS[status][4],
                    },
                }
            },
        }
        for status in statuses
    }


_WORDS: dict[int, tuple[str, str, str, str, list[dict[str, str]]]] = {
    401: (
        "Not signed in, or the token has expired",
        "unauthenticated",
        "Sign in again",
        "the token has expired; sign in again",
        [],
    ),
    403: (
        "Signed in, but this role may not do this",
        "forbidden",
        "Your role may not do this",
        "analyst may not; this needs one of: mash_worker, panel_chair",
        [],
    ),
    404: ("No such record", "not-found", "Not found", "no notification WMP-26-999999", []),
    409: (
        "The record is not in a state that allows this",
        "quarantine",
        "The quarantined record cannot be used",
        "record 7 was already replayed",
        [],
    ),
    413: (
        "The request is too large",
        "too-large",
        "The request is too large",
        "25,000,000 bytes; send at most 20,000,000",
        [],
    ),
    429: (
        "Too many attempts from this address; wait and try again",
        "too-many-attempts",
        "Too many sign-in attempts",
        "too many sign-in attempts from this address; wait a minute",
        [],
    ),
    422: (
        "The request is not valid; each field at fault is named",
        "refused",
        "The request cannot be done as asked",
        "reason: choose the reason for the override",
        [{"field": "reason", "problem": "choose the reason for the override"}],
    ),
}
