"""The HTTP surface's shared plumbing and its composition: `create_app` puts each domain's
routes (`<domain>/api.py`, `<domain>/pages.py`) together with the dependencies, problem
details, security headers, CSRF and page templates kept here."""

from triage.http.app import create_app

__all__ = ["create_app"]
