"""Children ranked for a panel by a child-level risk, each place explained.

A child's points are the sum of what is known about them now (`rules/data/panel-ranking.yaml`
holds every weight): the highest level in force among their recent episodes (the one
definition, `triage.decisions.level`), episodes in the last 30 days, going missing more often
than before (acceleration), how recently they were last seen (the risk stays high in the weeks
after an episode), the exploitation indicators police ticked or the child disclosed in a
return home interview, still missing, and actions past due (the decisions' and the panels').
Each contribution says in words why it counts, the way a decision gives its reasons.

A child's area is the team the decision on their newest episode routed to; the city panel
sees every area.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.casework.actions import overdue_actions
from triage.casework.dates import UK
from triage.casework.vocabulary import said
from triage.decisions.level import levels_in_force
from triage.errors import RuleFileError
from triage.interviews.tables import InterviewDisclosure
from triage.notification.vocabulary import EXPLOITATION_INDICATORS, RiskGrade
from triage.panels.tables import PanelAction
from triage.store.tables import ChildRecord, DecisionRecord, EpisodeRecord, UserRecord

WEIGHTS_FILE = Path("data") / "panel-ranking.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelWeights(_Strict):
    window_days: int = Field(ge=1, le=3650)
    points: dict[RiskGrade, float]


class CountWeights(_Strict):
    days: int = Field(ge=1, le=3650)
    points_each: float = Field(ge=0)
    most: float = Field(ge=0)


class AccelerationWeights(_Strict):
    recent_days: int = Field(ge=1, le=3650)
    before_days: int = Field(ge=1, le=3650)
    points_each: float = Field(ge=0)
    most: float = Field(ge=0)


class RecencyWeights(_Strict):
    points: float = Field(ge=0)
    half_life_days: float = Field(gt=0)


class Points(_Strict):
    points: float = Field(ge=0)


class Capped(_Strict):
    points_each: float = Field(ge=0)
    most: float = Field(ge=0)


class RankingWeights(_Strict):
    """Every weight of the ranking, as the rules file gives them."""

    lookback_days: int = Field(ge=1, le=3650)
    level: LevelWeights
    recent_episodes: CountWeights
    acceleration: AccelerationWeights
    recency: RecencyWeights
    exploitation: CountWeights
    still_missing: Points
    overdue_actions: Capped


def load_weights(rules_dir: Path) -> RankingWeights:
    """The weights in force; a file that cannot be used names the field and the problem."""
    path = rules_dir / WEIGHTS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleFileError(path, None, "file is missing") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(path, None, f"not valid YAML: {exc}") from None
    try:
        return RankingWeights.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(the file)"
        raise RuleFileError(path, None, f"{field}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one thing known about the child adds, and why, in words."""

    factor: str
    points: float
    because: str

    @property
    def name(self) -> str:
        return said(f"panel.{self.factor}")


@dataclass(frozen=True, slots=True)
class RankedChild:
    child_id: int
    name: str
    area: str
    points: float
    level: str  # the highest level in force in the level window
    episodes_recent: int
    episodes_before: int
    last_seen_at: datetime
    still_missing: bool
    exploitation_indicators: tuple[str, ...]
    overdue: int
    contributions: tuple[Contribution, ...]  # the largest first; none of zero points


@dataclass(frozen=True, slots=True)
class _Episode:
    id: int
    child_id: int
    reference: str
    last_seen_at: datetime
    returned_at: datetime | None
    indicators: tuple[str, ...]


def rank_children(
    session: Session,
    *,
    weights: RankingWeights,
    now: datetime,
    area: str | None = None,
    child_ids: list[int] | None = None,
) -> list[RankedChild]:
    """Every child with an episode in the look-back (of `area`, or these children), highest
    points first; ties by the most recently seen."""
    episodes = _episodes(session, since=now - timedelta(days=weights.lookback_days), ids=child_ids)
    by_child: dict[int, list[_Episode]] = defaultdict(list)
    for episode in episodes:
        by_child[episode.child_id].append(episode)
    areas = _areas(session, by_child)
    if area:
        by_child = defaultdict(list, {c: e for c, e in by_child.items() if areas.get(c) == area})
    ids = [e.id for episodes_of in by_child.values() for e in episodes_of]
    levels = levels_in_force(session, ids)
    overdue = overdue_actions(session, ids, now)
    panel_overdue = _panel_overdue(session, list(by_child), now)
    disclosed = _disclosed(session, list(by_child), now, weights.exploitation.days)
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(list(by_child))))
    }
    ranked = [
        _ranked(
            child_id,
            names.get(child_id, ""),
            areas.get(child_id, ""),
            sorted(found, key=lambda e: e.last_seen_at, reverse=True),
            {e.id: levels[e.id].level for e in found if e.id in levels},
            sum(len(overdue.get(e.id, [])) for e in found) + panel_overdue.get(child_id, 0),
            weights,
            now,
            disclosed.get(child_id, set()),
        )
        for child_id, found in by_child.items()
    ]
    return sorted(ranked, key=lambda r: (-r.points, -r.last_seen_at.timestamp(), r.child_id))


def ranked_page(
    session: Session,
    *,
    viewer: UserRecord,
    weights: RankingWeights,
    area: str | None,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[RankedChild], int]:
    """One page of the ranked children and how many are ranked; the viewing is audited."""
    ranked = rank_children(session, weights=weights, now=now, area=area)
    audit.record(
        session,
        Actor.of(viewer),
        "view_panel_ranking",
        record_type="child",
        record_id="-",
        now=now,
        area=area or "",
        offset=offset,
    )
    return ranked[offset : offset + limit], len(ranked)


def _episodes(session: Session, *, since: datetime, ids: list[int] | None) -> list[_Episode]:
    query = (
        select(
            EpisodeRecord.id,
            EpisodeRecord.child_id,
            EpisodeRecord.police_reference,
            EpisodeRecord.last_seen_at,
            EpisodeRecord.returned_at,
            EpisodeRecord.indicators,
        )
        .join(ChildRecord, ChildRecord.id == EpisodeRecord.child_id)
        .where(ChildRecord.merged_into_id.is_(None), EpisodeRecord.last_seen_at >= since)
    )
    if ids is not None:
        query = query.where(EpisodeRecord.child_id.in_(ids))
    return [
        _Episode(i, c, ref, seen, back, tuple(indicators or ()))
        for i, c, ref, seen, back, indicators in session.execute(query)
    ]


def _areas(session: Session, by_child: dict[int, list[_Episode]]) -> dict[int, str]:
    """Each child's area: the team the newest decision on their newest episode routed to."""
    newest = {
        c: max(found, key=lambda e: (e.last_seen_at, e.id)).id for c, found in by_child.items()
    }
    if not newest:
        return {}
    teams: dict[int, str] = {}
    for episode_id, team in session.execute(
        select(DecisionRecord.episode_id, DecisionRecord.team)
        .where(DecisionRecord.episode_id.in_(list(newest.values())))
        .order_by(DecisionRecord.as_of, DecisionRecord.id)
    ):
        teams[episode_id] = team
    return {c: teams[e] for c, e in newest.items() if e in teams}


def _disclosed(session: Session, ids: list[int], now: datetime, days: int) -> dict[int, set[str]]:
    """What each child disclosed in a return home interview recorded in the last `days`."""
    found: dict[int, set[str]] = defaultdict(set)
    when = InterviewDisclosure.recorded_at
    for child_id, indicator in session.execute(
        select(InterviewDisclosure.child_id, InterviewDisclosure.indicator).where(
            InterviewDisclosure.child_id.in_(ids), when > now - timedelta(days), when <= now
        )
    ):
        found[child_id].add(indicator)
    return found


def _panel_overdue(session: Session, child_ids: list[int], now: datetime) -> dict[int, int]:
    if not child_ids:
        return {}
    found: dict[int, int] = defaultdict(int)
    for action in session.scalars(
        select(PanelAction).where(PanelAction.child_id.in_(child_ids), PanelAction.status == "open")
    ):
        if action.child_id is not None and action.overdue(now.astimezone(UK).date()):
            found[action.child_id] += 1
    return found


def _ranked(
    child_id: int,
    name: str,
    area: str,
    episodes: list[_Episode],
    levels: dict[int, RiskGrade],
    overdue: int,
    weights: RankingWeights,
    now: datetime,
    disclosed: set[str],
) -> RankedChild:
    def within(days: int, *, skip: int = 0) -> list[_Episode]:
        start, end = now - timedelta(days=skip + days), now - timedelta(days=skip)
        return [e for e in episodes if start < e.last_seen_at <= end]

    parts: list[Contribution] = []
    w = weights
    # The level counts only from episodes in its window; a child seen long ago still shows the
    # level of their newest episode, for no points.
    in_window = [e for e in within(w.level.window_days) if e.id in levels]
    top = max(in_window, key=lambda e: levels[e.id].rank, default=None)
    newest = next((e for e in episodes if e.id in levels), None)
    shown = top or newest
    level = levels[shown.id] if shown else RiskGrade.NO_APPARENT_RISK
    if top is not None:
        parts.append(
            Contribution(
                "level",
                w.level.points.get(level, 0.0),
                f"Level in force {said(level.value).lower()} on {top.reference}",
            )
        )
    recent = within(w.recent_episodes.days)
    parts.append(
        Contribution(
            "recent_episodes",
            min(len(recent) * w.recent_episodes.points_each, w.recent_episodes.most),
            f"{_episodes_in(len(recent))} in the last {w.recent_episodes.days} days",
        )
    )
    a = w.acceleration
    lately = len(within(a.recent_days))
    before = len(within(a.before_days, skip=a.recent_days))
    expected = before * a.recent_days / a.before_days
    if lately > expected:
        parts.append(
            Contribution(
                "acceleration",
                min((lately - expected) * a.points_each, a.most),
                f"{_episodes_in(lately)} in the last {a.recent_days} days against "
                f"{before} in the {a.before_days} days before: going missing more often",
            )
        )
    days_since = (now - episodes[0].last_seen_at).total_seconds() / 86400
    parts.append(
        Contribution(
            "recency",
            w.recency.points * 0.5 ** (max(days_since, 0.0) / w.recency.half_life_days),
            f"Last went missing {_days_ago(days_since)}",
        )
    )
    indicators = sorted(
        ({i for e in within(w.exploitation.days) for i in e.indicators} | disclosed)
        & EXPLOITATION_INDICATORS
    )
    if indicators:
        parts.append(
            Contribution(
                "exploitation",
                min(len(indicators) * w.exploitation.points_each, w.exploitation.most),
                f"Exploitation indicators in the last {w.exploitation.days} days: "
                + ", ".join(said(i).lower() for i in indicators),
            )
        )
    missing = next((e for e in episodes if e.returned_at is None), None)
    if missing is not None:
        parts.append(
            Contribution(
                "still_missing",
                w.still_missing.points,
                f"Still missing now ({missing.reference})",
            )
        )
    if overdue:
        parts.append(
            Contribution(
                "overdue_actions",
                min(overdue * w.overdue_actions.points_each, w.overdue_actions.most),
                f"{overdue} action{'s' if overdue != 1 else ''} past due and not done",
            )
        )
    counted = tuple(
        sorted(
            (Contribution(p.factor, round(p.points, 1), p.because) for p in parts if p.points),
            key=lambda p: -p.points,
        )
    )
    return RankedChild(
        child_id=child_id,
        name=name,
        area=area,
        points=round(sum(p.points for p in counted), 1),
        level=level.value,
        episodes_recent=len(recent),
        episodes_before=before,
        last_seen_at=episodes[0].last_seen_at,
        still_missing=missing is not None,
        exploitation_indicators=tuple(indicators),
        overdue=overdue,
        contributions=counted,
    )


def _episodes_in(n: int) -> str:
    return f"{n} episode{'s' if n != 1 else ''}"


def _days_ago(days: float) -> str:
    if days < 1:
        return "today"
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''} ago"
