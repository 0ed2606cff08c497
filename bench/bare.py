"""The yardstick for `bench/intake.py`: a bare FastAPI endpoint that only validates a notification.

The same path, the same pydantic model (`Notification`), the same server (uvicorn, one process),
and nothing else: no storage, no matching, no vetting, no receipt, no sign-in.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from triage.notification import Notification

app = FastAPI()


@app.post("/api/v1/notifications", status_code=201)
def submit(notification: Notification) -> JSONResponse:
    return JSONResponse({"police_reference": notification.police_reference}, status_code=201)
