"""What a back-test shows, as tables, from its counts (`triage.analysis.tally`): level
transitions, rule firings, workload and the per-child difference (pseudonymised)."""

from __future__ import annotations

import pandas as pd

from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.tally import (
    DECISION_COLUMNS,
    DIFF_COLUMNS,
    LEVELS,
    SIDES,
    WORKLOAD_ACTIONS,
    Tally,
)
from triage.casework.vocabulary import ACTION_WORDS
from triage.rules.catalogue import Ruleset

__all__ = [
    "LEVELS",
    "SIDES",
    "WORKLOAD_ACTIONS",
    "change_by_month_and_team",
    "children",
    "decisions_frame",
    "rule_firings",
    "transitions",
    "workload",
    "workload_totals",
]


def transitions(counts: Tally) -> pd.DataFrame:
    """Decisions by live level (rows) and candidate level (columns), every level shown."""
    table = pd.DataFrame(
        [[counts.transitions.get((live, c), 0) for c in LEVELS] for live in LEVELS],
        index=pd.Index(LEVELS, name="live"),
        columns=pd.Index(LEVELS, name="candidate"),
        dtype="int64",
    )
    return table


def rule_firings(counts: Tally, live: Ruleset, candidate: Ruleset) -> pd.DataFrame:
    """How many decisions each rule gave a reason in, live and candidate, and the change."""
    titles = {rule.id: rule.spec.title for rule in (*live.rules, *candidate.rules)}
    ids = sorted(titles)
    table = pd.DataFrame(
        {
            "rule": ids,
            "title": [titles[rule] for rule in ids],
            "live": pd.Series([counts.rules.get(("live", r), 0) for r in ids], dtype="int64"),
            "candidate": pd.Series(
                [counts.rules.get(("candidate", r), 0) for r in ids], dtype="int64"
            ),
        }
    )
    table["change"] = table["candidate"] - table["live"]
    return table


def workload(counts: Tally) -> pd.DataFrame:
    """Per month and area team, the episodes that ask for each kind of work, live and candidate.

    An episode asks for an action if any of its decisions does; it counts in the month police
    first notified it and in the team its newest decision routes to."""
    keys = sorted({(month, team, kind) for month, team, kind, _side in counts.work})
    table = pd.DataFrame(
        {
            "month": [k[0] for k in keys],
            "team": [k[1] for k in keys],
            "action": [ACTION_WORDS[k[2]] for k in keys],
            **{
                side: pd.Series([counts.work.get((*k, side), 0) for k in keys], dtype="int64")
                for side in SIDES
            },
        },
        columns=["month", "team", "action", *SIDES],
    )
    table["change"] = table["candidate"] - table["live"]
    return table


def workload_totals(table: pd.DataFrame) -> pd.DataFrame:
    """The workload over the whole period, per kind of work."""
    totals = table.groupby("action")[["live", "candidate", "change"]].sum().reset_index()
    order = {ACTION_WORDS[kind]: k for k, kind in enumerate(WORKLOAD_ACTIONS)}
    return totals.sort_values("action", key=lambda s: s.map(order)).reset_index(drop=True)


def change_by_month_and_team(table: pd.DataFrame, action: str) -> pd.DataFrame:
    """One kind of work's change (candidate minus live): months down, area teams across."""
    rows = table[table["action"] == action]
    return rows.pivot_table(
        index="month", columns="team", values="change", aggfunc="sum", fill_value=0
    )


def children(counts: Tally, pseudonyms: Pseudonymiser) -> pd.DataFrame:
    """The per-child difference: every replayed decision whose level, classification, routing,
    actions and deadlines or reasons differ, with both sides' reasons. Pseudonymised: a child
    and an episode are keyed pseudonyms, a deadline is hours after the decision's moment (when
    the version was sent, or the re-vet as time passed)."""
    return _pseudonymised(pd.DataFrame(counts.diff, columns=DIFF_COLUMNS), pseudonyms)


def decisions_frame(counts: Tally, pseudonyms: Pseudonymiser) -> pd.DataFrame | None:
    """Every replayed decision both ways, if the tally kept them (a small history's)."""
    if counts.rows is None:
        return None
    return _pseudonymised(pd.DataFrame(counts.rows, columns=DECISION_COLUMNS), pseudonyms)


def _pseudonymised(frame: pd.DataFrame, pseudonyms: Pseudonymiser) -> pd.DataFrame:
    frame["child"] = [pseudonyms.child(int(c)) for c in frame["child"]]
    frame["episode"] = [pseudonyms.episode(int(e)) for e in frame["episode"]]
    frame["version"] = frame["version"].astype("int64")
    return frame
