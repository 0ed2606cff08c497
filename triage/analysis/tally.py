"""A back-test's measures, counted as decisions are replayed: a `Tally` per chunk of children,
added together in any order (counts commute; the per-child diff keeps the chunks' order).

Nothing in a tally grows with the history but the per-child diff (the decisions that differ)
and, when asked for, every decision's row. Each chunk holds whole children, so an episode's
decisions are all in one tally: the work an episode asks for is counted once, where its chunk is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern
from typing import Any

from triage.analysis.outcomes import SETTLE_DAYS, EpisodeLevels, OutcomeCounts
from triage.analysis.replay import Replayed
from triage.casework.vocabulary import ACTION_WORDS
from triage.decisions.models import VettedDecision
from triage.notification.vocabulary import RiskGrade

LEVELS = [grade.value for grade in RiskGrade]  # lowest first
SIDES = ("live", "candidate")
# The actions whose numbers size a team's work.
WORKLOAD_ACTIONS = (
    "return_home_interview",
    "strategy_discussion",
    "mase_referral",
    "notify_responsible_authority",
)
DECISION_COLUMNS = [
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
DIFF_COLUMNS = [
    "child",
    "episode",
    "version",
    "moment",
    "month",
    *(
        f"{side}_{name}"
        for side in SIDES
        for name in ("level", "classification", "team", "deadlines")
    ),
    "rules_added",
    "rules_removed",
    "live_reasons",
    "candidate_reasons",
]


@dataclass(frozen=True)
class Labels:
    """Outcomes by police reference, and when they are read: an episode last seen less than
    `settle_days` before `known_at` is not yet known."""

    by_reference: Mapping[str, bool]
    known_at: datetime
    settle_days: int = SETTLE_DAYS


@dataclass
class Tally:
    """Counts over some children's replayed decisions (see the module docstring)."""

    decisions: int = 0
    episodes: int = 0
    level_changes: int = 0
    children_affected: int = 0
    absent_episodes: int = 0
    reclassified: Counter[str] = field(default_factory=Counter)  # side: decisions
    episodes_reclassified: Counter[str] = field(default_factory=Counter)  # side: episodes
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (live, candidate)
    rules: Counter[tuple[str, str]] = field(default_factory=Counter)  # (side, rule id)
    work: Counter[tuple[str, str, str, str]] = field(
        default_factory=Counter
    )  # month, team, kind, side
    diff: list[list[Any]] = field(default_factory=list)  # DIFF_COLUMNS rows
    outcomes: OutcomeCounts | None = None
    rows: list[list[Any]] | None = None  # DECISION_COLUMNS rows, when asked for

    def add(self, other: Tally) -> Tally:
        """This tally with `other`'s counts added (its diff after this one's)."""
        for name in ("decisions", "episodes", "level_changes", "children_affected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.absent_episodes += other.absent_episodes
        for name in ("reclassified", "episodes_reclassified", "transitions", "rules", "work"):
            getattr(self, name).update(getattr(other, name))
        # The same few levels, teams and reasons recur in every chunk: one string each.
        self.diff += [[*row[:3], *(intern(value) for value in row[3:])] for row in other.diff]
        if other.outcomes is not None:
            self.outcomes = (self.outcomes or OutcomeCounts()).add(other.outcomes)
        if other.rows is not None:
            self.rows = [*(self.rows or []), *other.rows]
        return self


def tally(
    replayed: Iterable[Replayed],
    *,
    labels: Labels | None = None,
    keep_rows: bool = False,
) -> Tally:
    """The counts over `replayed` (each episode's decisions in time order). Rows name a child
    and an episode by their store ids: pseudonyms are given where the tables are made, so that
    the key never leaves the process that holds it."""
    out = Tally(outcomes=OutcomeCounts() if labels is not None else None)
    out.rows = [] if keep_rows else None
    by_episode: dict[int, list[tuple[Replayed, dict[str, Any]]]] = {}
    children: set[int] = set()
    for r in replayed:
        row = decision_row(r, reasons=False)
        by_episode.setdefault(r.stored.episode_id, []).append((r, row))
        _count_decision(out, r, row, children)
        if out.rows is not None:
            row |= _reasons(r)
            out.rows.append([row[name] for name in DECISION_COLUMNS])
    out.children_affected = len(children)
    newest = []
    for decided in by_episode.values():
        _count_episode(out, [row for _r, row in decided])
        if labels is not None:
            newest.append(_newest(r for r, _row in decided))
    if labels is not None and out.outcomes is not None:
        out.outcomes.count(newest, labels.by_reference, labels.known_at, labels.settle_days)
    return out


def decision_row(r: Replayed, *, reasons: bool = True) -> dict[str, Any]:
    """One replayed version: who (store ids), when (month), and both decisions (with their
    reasons in words unless told not to: they are needed only where the sides differ)."""
    n = r.stored.notification
    row: dict[str, Any] = {
        "child": r.stored.child_id,
        "episode": r.stored.episode_id,
        "version": r.stored.version,
        "moment": r.why,
        "month": n.sent_at.strftime("%Y-%m"),
        "police_classification": n.police_classification.value,
        "police_risk_grade": n.police_risk_grade.value,
    }
    for side, decision in zip(SIDES, (r.live, r.candidate), strict=True):
        row |= {f"{side}_{name}": value for name, value in _side(decision).items()}
    return row | _reasons(r) if reasons else row


def _reasons(r: Replayed) -> dict[str, str]:
    return {
        f"{side}_reasons": "; ".join(f"{x.rule_id} {x.title}: {x.effect}" for x in d.reasons)
        for side, d in zip(SIDES, (r.live, r.candidate), strict=True)
    }


def _side(d: VettedDecision) -> dict[str, Any]:
    sent = d.as_of
    return {
        "level": d.vetted_level.value,
        "classification": d.classification.value,
        "team": d.team,
        "rules": tuple(reason.rule_id for reason in d.reasons),
        "actions": tuple(
            (a.type, round((a.due_at - sent).total_seconds() / 3600, 1)) for a in d.actions
        ),
    }


def _count_decision(out: Tally, r: Replayed, row: dict[str, Any], children: set[int]) -> None:
    out.decisions += 1
    live, candidate = row["live_level"], row["candidate_level"]
    out.transitions[(live, candidate)] += 1
    out.level_changes += live != candidate
    for side in SIDES:
        out.rules.update((side, rule) for rule in row[f"{side}_rules"])
        if row["police_classification"] == "absent" and row[f"{side}_classification"] == "missing":
            out.reclassified[side] += 1
    if any(row[f"live_{name}"] != row[f"candidate_{name}"] for name in _COMPARED):
        children.add(row["child"])
        row |= _reasons(r)
        out.diff.append([*(row[name] for name in DIFF_COLUMNS[:5]), *_differences(row)])


_COMPARED = ("level", "classification", "team", "actions", "rules")


def _differences(row: dict[str, Any]) -> list[Any]:
    live, candidate = set(row["live_rules"]), set(row["candidate_rules"])
    return [
        *(
            value
            for side in SIDES
            for value in (
                row[f"{side}_level"],
                row[f"{side}_classification"],
                row[f"{side}_team"],
                _deadlines(row[f"{side}_actions"]),
            )
        ),
        " ".join(sorted(candidate - live)),
        " ".join(sorted(live - candidate)),
        row["live_reasons"],
        row["candidate_reasons"],
    ]


def _deadlines(actions: tuple[tuple[str, float], ...]) -> str:
    return "; ".join(f"{ACTION_WORDS.get(kind, kind)} within {due:g} h" for kind, due in actions)


def _count_episode(out: Tally, rows: Sequence[dict[str, Any]]) -> None:
    """An episode asks for an action if any of its decisions does (a later version does not
    undo a strategy discussion already called); it counts in the month police first notified
    it and in the team its newest decision routes to."""
    out.episodes += 1
    absent = [row for row in rows if row["police_classification"] == "absent"]
    out.absent_episodes += bool(absent)
    for side in SIDES:
        out.episodes_reclassified[side] += any(
            row[f"{side}_classification"] == "missing" for row in absent
        )
        asked = {kind for row in rows for kind, _due in row[f"{side}_actions"]}
        month, team = rows[0]["month"], rows[-1][f"{side}_team"]
        out.work.update((month, team, kind, side) for kind in WORKLOAD_ACTIONS if kind in asked)


def _newest(decided: Iterable[Replayed]) -> EpisodeLevels:
    """The episode's newest replayed version (its highest version, then its latest moment)."""
    r = max(decided, key=lambda r: (r.stored.version, r.live.as_of))
    return EpisodeLevels(
        reference=r.stored.notification.police_reference,
        last_seen_at=r.stored.notification.episode.last_seen_at,
        live=r.live.vetted_level,
        candidate=r.candidate.vetted_level,
    )


__all__ = [
    "DECISION_COLUMNS",
    "DIFF_COLUMNS",
    "LEVELS",
    "SIDES",
    "WORKLOAD_ACTIONS",
    "Labels",
    "Tally",
    "decision_row",
    "tally",
]
