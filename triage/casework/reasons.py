"""The reasons a person may give for overriding a vetted level, read from the rules folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

REASONS_FILE = Path("data") / "review-reasons.yaml"
CONFIRMED = "confirmed"  # the reason code stored when a person confirms the machine's level
# ... and when an older notification is settled with the review of the child's newest
SETTLED = "settled_with_newer"


class ReviewReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    label: str
    kind: Literal["policy", "discretionary"]
    direction: Literal["raise", "lower", "any"]

    def allows(self, *, raising: bool) -> bool:
        return self.direction == "any" or (self.direction == "raise") == raising


_REASONS = TypeAdapter(list[ReviewReason])


@cache
def review_reasons(rules_dir: Path) -> dict[str, ReviewReason]:
    """The override reasons in force, by code (read once per rules folder)."""
    path = rules_dir / REASONS_FILE
    reasons = _REASONS.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))
    return {reason.code: reason for reason in reasons}
