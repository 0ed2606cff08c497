"""What the rulesets API gives and takes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from triage.http.schemas import WHEN, example
from triage.notification.fields import Words
from triage.rulesets.history import Entry, History
from triage.rulesets.service import MAX_TEXT, Made

_VERSION = "31c33942a86f062c089cccf5a64ab53ecb35ac57f9b243822338dcfbb8701edb"
_BEFORE = "8d0c2f64c4a3e3b1d7a1f2b9c0e4a5d6f7081920a1b2c3d4e5f60718293a4b5c"
_NOTE = "Checked by sex, ethnicity, age band and looked-after status: no group moves apart."


class PromotionAsked(BaseModel):
    model_config = example(
        candidate="/srv/triage/rules-candidate", asked_by="priya", equality_note=_NOTE
    )

    candidate: Words = Field(
        min_length=1,
        max_length=1000,
        description="The candidate rules folder on the service's machine (a copy of the live "
        "rules, edited); it must pass every rule's golden examples",
    )
    asked_by: Words = Field(
        min_length=1, max_length=100, description="The analyst or admin who asks (not you)"
    )
    equality_note: Words = Field(
        min_length=1, max_length=MAX_TEXT, description="The equality impact note it is judged on"
    )


class RollbackAsked(BaseModel):
    model_config = example(asked_by="priya", reason="R22 sends too many to a strategy meeting")

    asked_by: Words = Field(
        min_length=1, max_length=100, description="The analyst or admin who asks (not you)"
    )
    reason: Words = Field(min_length=1, max_length=MAX_TEXT, description="Why it is rolled back")


_ENTRY = {
    "id": 2,
    "kind": "promote",
    "version": _VERSION,
    "previous_version": _BEFORE,
    "at": WHEN,
    "asked_by": "priya",
    "approved_by": "chris",
    "equality_note": _NOTE,
    "reason": None,
    "headline": "1 of 40 decisions changes level: 1 medium to high",
    "shadow_headline": None,
    "backtest": {
        "summary": {"decisions": 40, "decisions_whose_level_changes": 1},
        "moves": [{"live": "medium", "candidate": "high", "decisions": 1}],
        "rules": [{"rule": "R22", "live": 0, "candidate": 1, "change": 1}],
        "workload": [],
    },
    "shadow": None,
    "live": True,
}


class RulesetChange(BaseModel):
    """A version made live: a promotion of a candidate, or a rollback."""

    model_config = example(**_ENTRY)

    id: int
    kind: str = Field(description="promote or rollback")
    version: str = Field(description="The ruleset version made live (a hash of its files)")
    previous_version: str = Field(description="The version it replaced")
    at: datetime
    asked_by: str
    approved_by: str
    equality_note: str
    reason: str | None = Field(description="A rollback's reason")
    headline: str = Field(description="The back-test: decisions that change level, and how")
    shadow_headline: str | None
    backtest: dict[str, Any] | None = Field(
        description="The back-test it was judged on: summary, level moves, rules, workload"
    )
    shadow: dict[str, Any] | None = Field(description="The newest shadow run of it, if one ran")
    live: bool = Field(description="Whether the live folder holds this version now")

    @classmethod
    def of(cls, entry: Entry) -> RulesetChange:
        return cls(
            id=entry.id,
            kind=entry.kind,
            version=entry.version,
            previous_version=entry.previous_version,
            at=entry.at,
            asked_by=entry.asked_by,
            approved_by=entry.approved_by,
            equality_note=entry.equality_note,
            reason=entry.reason,
            headline=entry.headline,
            shadow_headline=entry.shadow_headline,
            backtest=entry.backtest,
            shadow=entry.shadow,
            live=entry.live,
        )


class RulesetHistory(BaseModel):
    model_config = example(live_version=_VERSION, live_recorded=True, changes=[_ENTRY])

    live_version: str = Field(description="The version the live rules folder holds now")
    live_recorded: bool = Field(
        description="Whether that is the version last made live here (false: changed by hand)"
    )
    changes: list[RulesetChange] = Field(description="Newest first")

    @classmethod
    def of(cls, found: History) -> RulesetHistory:
        return cls(
            live_version=found.live_version,
            live_recorded=found.live_recorded,
            changes=[RulesetChange.of(e) for e in found.entries],
        )


class RulesetMade(BaseModel):
    """A version made live; the service vets with it from the moment this is answered."""

    model_config = example(id=2, kind="promote", version=_VERSION, previous_version=_BEFORE)

    id: int
    kind: str
    version: str
    previous_version: str

    @classmethod
    def of(cls, made: Made) -> RulesetMade:
        return cls(
            id=made.promotion.id,
            kind=made.promotion.kind,
            version=made.version,
            previous_version=made.previous,
        )


class RulesetFiles(BaseModel):
    model_config = example(
        version=_VERSION,
        before=_BEFORE,
        files={"parameters.yaml": "very_young_child_age: 15\n"},
    )

    version: str
    before: str | None = Field(description="The version it replaced when last made live")
    files: dict[str, str] = Field(description="Each file's exact text, by its path")
