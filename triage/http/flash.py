"""Post/redirect/get for a form refused with errors: what was refused and what was typed travel
to the page's own address in a short-lived signed cookie, so the browser lands on a GET (a
refresh does not send the form again) and the form is shown as it was sent, with its errors.

The cookie is scoped to that one page, lives ten minutes, is HttpOnly and signed with the
service's key, and is forgotten as soon as the page is shown. It holds only what the person
just typed into the form, in their own browser; a form too big for a cookie (over about 3.5 kB
once compressed) is shown again at once instead, answering 422, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from triage.errors import FieldError
from triage.http.deps import services

R = TypeVar("R", bound=Response)
COOKIE = "triage_form"
LIFETIME = 600  # seconds
LARGEST = 3500  # bytes of cookie value; browsers keep at least 4096 per cookie


@dataclass(frozen=True, slots=True)
class Refused:
    """A form that was refused: its errors, and what was typed (single and repeated fields)."""

    errors: list[FieldError]
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)


def redirect(request: Request, to: str, refused: Refused) -> Response | None:
    """A 303 to `to` (a page path, with an optional #fragment) carrying `refused`; None if it
    is too big for a cookie (the caller then answers the page at once)."""
    path = to.partition("#")[0].partition("?")[0]
    body = json.dumps(
        {
            "path": path,
            "at": int(time.time()),
            "errors": [[e.field, e.problem] for e in refused.errors],
            "values": refused.values,
            "lists": refused.lists,
        },
        separators=(",", ":"),
    ).encode()
    packed = base64.urlsafe_b64encode(zlib.compress(body)).decode()
    value = f"{packed}.{_sign(request, packed)}"
    if len(value) > LARGEST:
        return None
    from triage.http.pages import see_other  # the pages module renders; this one only carries

    response = see_other(to)
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME,
        httponly=True,
        samesite="strict",
        secure=services(request).settings.secure_cookies,
        path=path,
    )
    return response


def taken(request: Request) -> Refused | None:
    """The refused form carried to this page, if any (checked: signed, fresh, this page's)."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    packed, _, signature = value.rpartition(".")
    if not packed or not hmac.compare_digest(signature, _sign(request, packed)):
        return None
    try:
        data: dict[str, Any] = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed)))
    except (ValueError, zlib.error):
        return None
    if data.get("path") != quote(request.url.path) or time.time() - data.get("at", 0) > LIFETIME:
        return None
    return Refused(
        errors=[FieldError(str(f), str(p)) for f, p in data.get("errors", [])],
        values={str(k): str(v) for k, v in data.get("values", {}).items()},
        lists={str(k): [str(v) for v in vs] for k, vs in data.get("lists", {}).items()},
    )


def forget(request: Request, response: R) -> R:
    """Drop the carried form once its page has been shown."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=request.url.path)
    return response


def _sign(request: Request, packed: str) -> str:
    secret = b"form:" + services(request).csrf_secret
    return hmac.new(secret, packed.encode(), hashlib.sha256).hexdigest()
