"""What a back-test measures on replayed decisions: level transitions, rule firings, workload
and the per-child difference. Each takes the decisions frame (`decisions_frame`): one row per
replayed version, pseudonymised, with the live and the candidate decision side by side."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import Replayed
from triage.casework.vocabulary import ACTION_WORDS
from triage.decisions.models import VettedDecision
from triage.notification.vocabulary import RiskGrade
from triage.rules.catalogue import Ruleset

LEVELS = [grade.value for grade in RiskGrade]  # lowest first
SIDES = ("live", "candidate")
# The actions whose numbers size a team's work.
WORKLOAD_ACTIONS = (
    "return_home_interview",
    "strategy_discussion",
    "mase_referral",
    "notify_responsible_authority",
)


def decisions_frame(replayed: Iterable[Replayed], pseudonyms: Pseudonymiser) -> pd.DataFrame:
    """One row per replayed version: who (pseudonyms), when (month), and both decisions."""
    rows = []
    for r in replayed:
        n = r.stored.notification
        row: dict[str, Any] = {
            "child": pseudonyms.child(r.stored.child_id),
            "episode": pseudonyms.episode(r.stored.episode_id),
            "version": r.stored.version,
            "moment": r.why,
            "month": n.sent_at.strftime("%Y-%m"),
            "police_classification": n.police_classification.value,
            "police_risk_grade": n.police_risk_grade.value,
        }
        for side, decision in zip(SIDES, (r.live, r.candidate), strict=True):
            row |= {f"{side}_{name}": value for name, value in _sides(decision).items()}
        rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)


def _sides(d: VettedDecision) -> dict[str, Any]:
    sent = d.as_of
    return {
        "level": d.vetted_level.value,
        "classification": d.classification.value,
        "team": d.team,
        "rules": tuple(reason.rule_id for reason in d.reasons),
        "actions": tuple(
            (a.type, round((a.due_at - sent).total_seconds() / 3600, 1)) for a in d.actions
        ),
        "reasons": "; ".join(f"{r.rule_id} {r.title}: {r.effect}" for r in d.reasons),
    }


_COLUMNS = [
    "child",
    "episode",
    "version",
    "moment",
    "month",
    "police_classification",
    "police_risk_grade",
    *(
        f"{side}_{name}"
        for side in SIDES
        for name in ("level", "classification", "team", "rules", "actions", "reasons")
    ),
]


def transitions(frame: pd.DataFrame) -> pd.DataFrame:
    """Decisions by live level (rows) and candidate level (columns), every level shown."""
    table = pd.crosstab(
        pd.Categorical(frame["live_level"], categories=LEVELS),
        pd.Categorical(frame["candidate_level"], categories=LEVELS),
        rownames=["live"],
        colnames=["candidate"],
        dropna=False,
    )
    return table.reindex(index=LEVELS, columns=LEVELS, fill_value=0)


def rule_firings(frame: pd.DataFrame, live: Ruleset, candidate: Ruleset) -> pd.DataFrame:
    """How many decisions each rule gave a reason in, live and candidate, and the change."""
    counts = {
        side: pd.Series([rule for rules in frame[f"{side}_rules"] for rule in rules]).value_counts()
        for side in SIDES
    }
    titles = {rule.id: rule.spec.title for rule in (*live.rules, *candidate.rules)}
    table = pd.DataFrame(
        {
            "rule": sorted(titles),
            "title": [titles[rule] for rule in sorted(titles)],
            "live": [int(counts["live"].get(rule, 0)) for rule in sorted(titles)],
            "candidate": [int(counts["candidate"].get(rule, 0)) for rule in sorted(titles)],
        }
    )
    table["change"] = table["candidate"] - table["live"]
    return table


def workload(frame: pd.DataFrame) -> pd.DataFrame:
    """Per month and area team, the episodes that ask for each kind of work, live and candidate.

    An episode asks for an action if any of its decisions does (a later version does not undo a
    strategy discussion already called); it counts in the month police first notified it and
    in the team its newest decision routes to."""
    rows = []
    for side in SIDES:
        for _episode, versions in frame.groupby("episode", sort=False):
            ordered = versions  # in time order, as replayed
            asked = {kind for actions in ordered[f"{side}_actions"] for kind, _due in actions}
            month, team = ordered["month"].iloc[0], ordered[f"{side}_team"].iloc[-1]
            rows += [
                {"side": side, "month": month, "team": team, "action": kind}
                for kind in WORKLOAD_ACTIONS
                if kind in asked
            ]
    found = pd.DataFrame(rows, columns=["side", "month", "team", "action"])
    table = found.groupby(["month", "team", "action", "side"]).size().unstack("side", fill_value=0)
    table = table.reindex(columns=list(SIDES), fill_value=0).reset_index()
    table["change"] = table["candidate"] - table["live"]
    table["action"] = table["action"].map(ACTION_WORDS)
    return table[["month", "team", "action", "live", "candidate", "change"]]


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


def children(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-child difference: every replayed decision whose level, classification, routing,
    actions and deadlines or reasons differ, with both sides' reasons. Pseudonymised: a child
    and an episode are keyed pseudonyms, a deadline is hours after the decision's moment (when
    the version was sent, or the re-vet as time passed)."""
    changed = frame[
        (frame["live_level"] != frame["candidate_level"])
        | (frame["live_classification"] != frame["candidate_classification"])
        | (frame["live_team"] != frame["candidate_team"])
        | (frame["live_actions"] != frame["candidate_actions"])
        | (frame["live_rules"] != frame["candidate_rules"])
    ]
    out = changed[["child", "episode", "version", "moment", "month"]].copy()
    for side in SIDES:
        out[f"{side}_level"] = changed[f"{side}_level"]
        out[f"{side}_classification"] = changed[f"{side}_classification"]
        out[f"{side}_team"] = changed[f"{side}_team"]
        out[f"{side}_deadlines"] = changed[f"{side}_actions"].map(_deadlines)
    out["rules_added"] = [
        " ".join(sorted(set(c) - set(live)))
        for live, c in zip(changed["live_rules"], changed["candidate_rules"], strict=True)
    ]
    out["rules_removed"] = [
        " ".join(sorted(set(live) - set(c)))
        for live, c in zip(changed["live_rules"], changed["candidate_rules"], strict=True)
    ]
    out["live_reasons"] = changed["live_reasons"]
    out["candidate_reasons"] = changed["candidate_reasons"]
    return out.reset_index(drop=True)


def _deadlines(actions: tuple[tuple[str, float], ...]) -> str:
    return "; ".join(f"{ACTION_WORDS.get(kind, kind)} within {due:g} h" for kind, due in actions)
