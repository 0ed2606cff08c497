"""What the sign-in API takes and gives."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from triage.http.schemas import example


class Token(BaseModel):
    model_config = example(access_token="eyJhbGciOi...", token_type="bearer", expires_in=1800)

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Me(BaseModel):
    model_config = example(username="mash.demo", display_name="Sam Patel", role="mash_worker")

    username: str
    display_name: str
    role: str
