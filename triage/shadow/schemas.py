"""What the shadow API gives and takes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from triage.analysis.backtest import Backtest
from triage.http.schemas import WHEN, example
from triage.notification.fields import Words
from triage.shadow.tables import ShadowRun

_VERSION = "31c33942a86f062c089cccf5a64ab53ecb35ac57f9b243822338dcfbb8701edb"


class ShadowStart(BaseModel):
    model_config = example(candidate="/srv/triage/rules-candidate", model=None)

    candidate: Words = Field(
        min_length=1,
        max_length=1000,
        description="The candidate rules folder on the service's machine (a copy of rules/, "
        "edited); it must pass every rule's golden examples",
    )
    model: Words | None = Field(
        default=None,
        max_length=1000,
        description="A candidate model folder (default: the live model)",
    )


class ShadowRunOut(BaseModel):
    model_config = example(
        run_id=3,
        status="running",
        candidate="/srv/triage/rules-candidate",
        ruleset_version=_VERSION,
        model_version="",
        requested_by="priya",
        requested_at=WHEN,
        approved_by="chris",
        started_at=WHEN,
        stopped_by=None,
        stopped_at=None,
    )

    run_id: int
    status: str = Field(description="requested, running (approved by an admin) or stopped")
    candidate: str
    ruleset_version: str
    model_version: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    started_at: datetime | None
    stopped_by: str | None
    stopped_at: datetime | None

    @classmethod
    def of(cls, run: ShadowRun, names: dict[int, str]) -> ShadowRunOut:
        return cls(
            run_id=run.id,
            status=run.status,
            candidate=run.rules_dir,
            ruleset_version=run.ruleset_version,
            model_version=run.model_version,
            requested_by=names[run.requested_by_id],
            requested_at=run.requested_at,
            approved_by=names.get(run.approved_by_id or 0),
            started_at=run.started_at,
            stopped_by=names.get(run.stopped_by_id or 0),
            stopped_at=run.stopped_at,
        )


class ShadowReport(BaseModel):
    """Live and shadow compared on the decisions made since the run started."""

    model_config = example(
        run=ShadowRunOut.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
        summary={"decisions": 2, "decisions_whose_level_changes": 1, "children_affected": 1},
        transitions=[
            {"live": "medium", "no_apparent_risk": 0, "low": 0, "medium": 0, "high": 1},
        ],
        rules=[
            {
                "rule": "R22",
                "title": "A very young child missing",
                "live": 0,
                "candidate": 1,
                "change": 1,
            }
        ],
        workload=[
            {
                "month": "2026-03",
                "team": "South",
                "action": "Return home interview",
                "live": 1,
                "candidate": 1,
                "change": 0,
            }
        ],
        children=[
            {
                "child": "C-1995fa2e2ce342f3",
                "episode": "E-5db95b6044a4cb24",
                "version": 1,
                "month": "2026-03",
                "live_level": "medium",
                "candidate_level": "high",
                "rules_added": "R22",
                "rules_removed": "",
            }
        ],
    )

    run: ShadowRunOut
    summary: dict[str, Any]
    transitions: list[dict[str, Any]] = Field(description="Live level by shadow level")
    rules: list[dict[str, Any]] = Field(description="Rules that fire more or less often")
    workload: list[dict[str, Any]] = Field(description="Work per month and area team")
    children: list[dict[str, Any]] = Field(description="The per-child diff, pseudonymised")

    @classmethod
    def of(cls, run: ShadowRunOut, result: Backtest) -> ShadowReport:
        moved = result.rules[result.rules["change"] != 0]
        return cls(
            run=run,
            summary=result.summary,
            transitions=_records(result.transitions.reset_index()),
            rules=_records(moved),
            workload=_records(result.workload),
            children=_records(result.children),
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as plain JSON values (numpy's integers are not)."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows
