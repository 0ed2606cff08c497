"""The figures a promotion is judged on, kept with it as plain JSON: the back-test of the live
rules against the candidate over the stored history, and the newest shadow run of the same
candidate, if one ran. Nothing in them names a child (pseudonymised counts and rules only)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.analysis.backtest import Backtest, compare
from triage.analysis.pseudonymised import Pseudonymiser
from triage.shadow import service as shadow
from triage.shadow.tables import ShadowRun
from triage.store.tables import NotificationVersion
from triage.vetting.service import Vetter


def backtest(
    session: Session, live: Vetter, candidate: Vetter, pseudonyms: Pseudonymiser
) -> dict[str, Any]:
    """The back-test of `live` against `candidate` over the whole stored history, summarised
    (with nothing stored yet, a summary saying so: there is nothing to replay)."""
    if session.scalar(select(NotificationVersion.id).limit(1)) is None:
        sides = {"live": live, "candidate": candidate}
        return {
            "summary": {
                **{
                    k: {"ruleset": v.ruleset_version, "model": v.model_version}
                    for k, v in sides.items()
                },
                "decisions": 0,
                "decisions_whose_level_changes": 0,
                "no_history": True,
            },
            "moves": [],
            "rules": [],
            "workload": [],
        }
    return _figures(compare(session, live, candidate, pseudonyms=pseudonyms))


def shadow_report(
    session: Session, live: Vetter, candidate: Vetter, pseudonyms: Pseudonymiser
) -> dict[str, Any] | None:
    """The report of the newest shadow run (running or stopped) of the candidate's exact
    version, summarised; None if none ran."""
    run = session.scalar(
        select(ShadowRun)
        .where(
            ShadowRun.ruleset_version == candidate.ruleset_version,
            ShadowRun.started_at.is_not(None),
        )
        .order_by(ShadowRun.id.desc())
        .limit(1)
    )
    if run is None:
        return None
    figures = _figures(shadow.report(session, run, live, candidate, pseudonyms=pseudonyms))
    return {"run": run.id, "status": run.status, **figures}


def _figures(result: Backtest) -> dict[str, Any]:
    """The summary, the level moves (off the diagonal), the rules that fire more or less and
    the work over the period, as JSON values."""
    matrix = result.transitions
    moves = [
        {"live": live, "candidate": candidate, "decisions": int(matrix.loc[live, candidate])}
        for live in matrix.index
        for candidate in matrix.columns
        if live != candidate and int(matrix.loc[live, candidate])
    ]
    rules = result.rules[result.rules["change"] != 0][["rule", "live", "candidate", "change"]]
    return {
        "summary": json.loads(json.dumps(result.summary, default=int)),
        "moves": moves,
        "rules": _records(rules),
        "workload": _records(result.workload_totals),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


def headline(figures: dict[str, Any] | None) -> str:
    """One line for a history: decisions that change level and the moves, e.g. "3 of 120
    decisions change level: 2 medium to high, 1 low to medium"."""
    if not figures:
        return "No figures"
    summary = figures.get("summary", {})
    changed, total = summary.get("decisions_whose_level_changes", 0), summary.get("decisions", 0)
    moves = ", ".join(
        f"{m['decisions']} {_words(m['live'])} to {_words(m['candidate'])}"
        for m in figures.get("moves", [])
    )
    verb = "changes" if changed == 1 else "change"
    line = f"{changed:,} of {total:,} decision{'' if total == 1 else 's'} {verb} level"
    line = f"{line}: {moves}" if moves else line
    absent = summary.get("episodes_reclassified_as_missing") or {}
    if absent.get("live") != absent.get("candidate"):
        line += (
            f"; absent episodes treated as missing {absent['live']:,} to {absent['candidate']:,}"
        )
    return line


def _words(level: str) -> str:
    return str(level).replace("_", " ")
