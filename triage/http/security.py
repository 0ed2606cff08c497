"""Security headers on every answer, and a strict content security policy on pages.

The API's own documentation page (Swagger UI, from assets served here) starts itself with an
inline script, so it gets a policy that allows that and nothing from elsewhere.
"""

from __future__ import annotations

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from triage.http.problems import MEDIA_TYPE, ProblemException, problem_body

# API paths anyone may call; every other /api/ path needs credentials before anything else.
PUBLIC_API = frozenset({"/api/v1/token", "/api/v1/health", "/api/v1/docs", "/api/v1/openapi.json"})

PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_ASSETS = "/static/api-docs"  # Swagger UI's script, styles and icon (fastapi-offline)


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: object, *, secure: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.secure = secure

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        headers = response.headers
        docs = request.url.path == "/api/v1/docs"
        headers["Content-Security-Policy"] = DOCS_POLICY if docs else PAGE_POLICY
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not request.url.path.startswith("/static/"):
            # Records about children must not linger in shared or browser caches.
            headers["Cache-Control"] = "no-store"
        if self.secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response


class CredentialsFirst:
    """An API call without credentials is answered 401 before its body is read or checked, so
    an anonymous caller learns nothing from how a body is refused (and no large body is read).
    Whether the credentials are valid is checked later, by the endpoint's role dependency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and path.startswith("/api/")
            and path not in PUBLIC_API
            and not any(name == b"authorization" for name, _ in scope.get("headers", []))
        ):
            problem = ProblemException(
                401,
                "unauthenticated",
                "Sign in first",
                "send a bearer token from POST /api/v1/token",
                headers={"WWW-Authenticate": "Bearer"},
            )
            response = JSONResponse(
                problem_body(problem),
                status_code=401,
                media_type=MEDIA_TYPE,
                headers=problem.headers,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
