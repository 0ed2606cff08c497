"""History features as of a notification: right on crafted histories, the same in batch and one
at a time, and equal to a plain reading of the definitions on random histories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import FrozenClock
from factories import REPORTED, notification
from triage.history import FEATURE_NAMES, compute_features, features_for_episode, history_features
from triage.history.features import EDGE_COLUMNS, EPISODE_COLUMNS, targets_frame
from triage.intake import ingest
from triage.notification import RawRecord
from triage.store import Database
from triage.store.tables import EpisodeRecord

JADE = {"police_person_id": "WMP-P-1"}
TYLER = {
    "police_person_id": "WMP-P-2",
    "given_name": "Tyler",
    "family_name": "Okafor",
    "sex": "male",
}


def episode(
    database: Database,
    clock: FrozenClock,
    reference: str,
    days_before: float,
    *,
    child: dict = JADE,
    **kwargs,
) -> None:
    payload = notification(
        reference=reference, reported=REPORTED - timedelta(days=days_before), child=child, **kwargs
    )
    receipt = ingest(database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock)
    assert receipt.episode_id is not None, receipt.errors


def features_of(database: Database, reference: str):
    with database.reading() as session:
        episode_id = session.scalar(
            select(EpisodeRecord.id).where(EpisodeRecord.police_reference == reference)
        )
        return features_for_episode(session, episode_id)


def test_a_first_episode_has_no_history(database: Database, clock: FrozenClock) -> None:
    episode(database, clock, "NOW", 0)
    f = features_of(database, "NOW")
    assert f.episodes_365d == 0 and f.episodes_before == 0
    assert f.days_since_last_episode is None
    assert f.longest_recent_episode_hours == 0.0


def test_earlier_episodes_count_in_each_window_by_classification(
    database: Database, clock: FrozenClock
) -> None:
    episode(database, clock, "D3", 3)
    episode(database, clock, "D20", 20, police_classification="absent")
    episode(database, clock, "D60", 60)
    episode(database, clock, "D200", 200, police_classification="absent")
    episode(database, clock, "D400", 400)
    episode(database, clock, "NOW", 0)
    f = features_of(database, "NOW")
    assert (f.episodes_7d, f.episodes_30d, f.episodes_90d, f.episodes_365d) == (1, 2, 3, 4)
    assert (f.missing_365d, f.absent_365d) == (2, 2)
    assert (f.absent_7d, f.absent_30d) == (0, 1)
    assert f.episodes_before == 5
    assert f.days_since_last_episode == 3.0


def test_later_episodes_and_the_episode_itself_are_not_history(
    database: Database, clock: FrozenClock
) -> None:
    episode(database, clock, "NOW", 10)
    episode(database, clock, "LATER", 2)
    f = features_of(database, "NOW")
    assert f.episodes_before == 0


def test_the_longest_recent_episode_counts_an_open_one_up_to_now(
    database: Database, clock: FrozenClock
) -> None:
    episode(database, clock, "SHORT", 30, returned_after_hours=5)
    episode(database, clock, "OPEN", 4, returned_after_hours=None, missing_hours=2)
    episode(database, clock, "NOW", 0)
    f = features_of(database, "NOW")
    # Still open: last seen 4 days + 2 hours before this one was last seen, 3.5 hours earlier.
    assert f.longest_recent_episode_hours == (4 * 24 + 2) - 3.5


def test_earlier_exploitation_indicators_and_high_grades_are_remembered(
    database: Database, clock: FrozenClock
) -> None:
    episode(database, clock, "CSE", 100, episode={"indicators": ["hotels_taxis", "mental_health"]})
    episode(
        database, clock, "CCE", 500, episode={"indicators": ["drugs"]}, police_risk_grade="high"
    )
    episode(database, clock, "NOW", 0, episode={"indicators": []})
    f = features_of(database, "NOW")
    assert (f.earlier_cse_episodes, f.earlier_cce_episodes) == (1, 1)
    assert f.earlier_exploitation_indicators == ("drugs", "hotels_taxis")
    assert f.earlier_high_grades == 1


def test_children_seen_missing_together_link_both_ways(
    database: Database, clock: FrozenClock
) -> None:
    episode(database, clock, "T0", 50, child=TYLER)
    together = {"companions": [{"police_person_id": "WMP-P-2"}]}
    episode(database, clock, "J1", 20, child=JADE, episode=together)
    episode(database, clock, "J2", 0, child=JADE)
    episode(database, clock, "T2", 0, child=TYLER)
    with database.reading() as session:
        rows = session.execute(select(EpisodeRecord.police_reference, EpisodeRecord.child_id))
        ids = {reference: child_id for reference, child_id in rows}
    assert features_of(database, "J2").companion_child_ids == (ids["T2"],)
    assert features_of(database, "T2").companion_child_ids == (ids["J2"],)
    assert features_of(database, "T2").companions_365d == 1
    assert features_of(database, "J1").companions_365d == 0  # the episode itself is not history


def test_batch_and_single_give_the_same_answers(database: Database, clock: FrozenClock) -> None:
    together = {"companions": [{"police_person_id": "WMP-P-2"}], "indicators": ["drugs"]}
    for k, days in enumerate([400, 200, 90, 31, 8, 6, 1, 0]):
        episode(database, clock, f"J{k}", days, child=JADE, episode=together if k % 3 else None)
        episode(database, clock, f"T{k}", days + 0.5, child=TYLER, police_classification="absent")
    episode(database, clock, "OPEN", 2, child=TYLER, returned_after_hours=None)
    with database.reading() as session:
        batch = history_features(session)
        for episode_id in batch.index:
            single = features_for_episode(session, int(episode_id))
            assert single.as_dict() == _row(batch.loc[episode_id]), episode_id


def _row(series: pd.Series) -> dict:
    from triage.history import HistoryFeatures

    return HistoryFeatures.from_row(series).as_dict()


# --- against a plain reading of the definitions ------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)
episode_rows = st.lists(
    st.tuples(
        st.integers(1, 3),  # child
        st.integers(0, 800 * 24),  # hours after T0, last seen
        st.one_of(st.none(), st.integers(0, 200)),  # hours missing, None while open
        st.sampled_from(["missing", "absent"]),
        st.sampled_from(["low", "medium", "high"]),
        st.lists(
            st.sampled_from(["drugs", "hotels_taxis", "mental_health"]), max_size=2, unique=True
        ),
        st.integers(0, 48),  # hours after last seen that police sent the first version
        # a correction police sent later: (hours after the first version, grade, indicators)
        st.one_of(
            st.none(),
            st.tuples(
                st.integers(1, 2000),
                st.sampled_from(["low", "medium", "high"]),
                st.lists(st.sampled_from(["drugs", "hotels_taxis"]), max_size=2, unique=True),
            ),
        ),
    ),
    min_size=1,
    max_size=25,
)


def _sent(row: tuple) -> datetime:
    return T0 + timedelta(hours=row[1] + row[6])


def _as_known(row: tuple, known: datetime) -> tuple | None:
    """The episode as its newest version sent by `known` says it (None: not yet notified)."""
    if _sent(row) > known:
        return None
    correction = row[7]
    if correction is not None and _sent(row) + timedelta(hours=correction[0]) <= known:
        return (*row[:4], correction[1], correction[2])
    return row[:6]


def naive(rows: list[tuple], links: list[tuple[int, int]], target: int) -> dict:
    """The definitions in the module docstring, read literally, one episode at a time."""
    child, start, *_ = rows[target]
    as_of = T0 + timedelta(hours=start)
    known = _sent(rows[target])
    out = {name: 0 for name in FEATURE_NAMES}
    earlier = [
        (k, known_row)
        for k, r in enumerate(rows)
        if r[0] == child
        and k != target
        and T0 + timedelta(hours=r[1]) < as_of
        and (known_row := _as_known(r, known)) is not None
    ]
    codes: set[str] = set()
    longest = 0.0
    for _k, (_c, begun, hours, kind, grade, indicators) in earlier:
        seen = T0 + timedelta(hours=begun)
        age = (as_of - seen) / timedelta(days=1)
        for window in (7, 30, 90, 365):
            if age <= window:
                out[f"episodes_{window}d"] += 1
                out[f"{kind}_{window}d"] += 1
        if age <= 365:
            end = as_of if hours is None else min(seen + timedelta(hours=hours), as_of)
            longest = max(longest, (end - seen) / timedelta(hours=1))
        out["earlier_cse_episodes"] += "hotels_taxis" in indicators
        out["earlier_cce_episodes"] += "drugs" in indicators
        out["earlier_high_grades"] += grade == "high"
        codes |= {i for i in indicators if i != "mental_health"}
    out["episodes_before"] = len(earlier)
    last = max((T0 + timedelta(hours=r[1]) for _, r in earlier), default=None)
    out["days_since_last_episode"] = (
        None if last is None else round((as_of - last) / timedelta(days=1), 4)
    )
    out["longest_recent_episode_hours"] = round(longest, 4)
    out["earlier_exploitation_indicators"] = sorted(codes)
    companions = set()
    for owner_episode, companion in links:
        owner, seen_hours = rows[owner_episode][0], rows[owner_episode][1]
        seen = T0 + timedelta(hours=seen_hours)
        if owner_episode == target or not (seen < as_of and (as_of - seen) <= timedelta(days=365)):
            continue
        if _sent(rows[owner_episode]) > known:
            continue
        if owner == child and companion != child:
            companions.add(companion)
        if companion == child and owner != child:
            companions.add(owner)
    out["companion_child_ids"] = sorted(companions)
    out["companions_365d"] = len(companions)
    return out


def _versions(k: int, row: tuple) -> list[tuple]:
    """EPISODE_COLUMNS rows for one generated episode: its first version and any correction."""
    child, start, hours, kind, grade, indicators, _delay, correction = row
    seen = T0 + timedelta(hours=start)
    returned = None if hours is None else seen + timedelta(hours=hours)
    corrected_at = None if correction is None else _sent(row) + timedelta(hours=correction[0])
    out = [(k, child, seen, returned, kind, grade, indicators, _sent(row), corrected_at)]
    if correction is not None:
        out.append(
            (k, child, seen, returned, kind, correction[1], correction[2], corrected_at, None)
        )
    return out


@settings(max_examples=80, deadline=None)
@given(episode_rows, st.lists(st.tuples(st.integers(0, 24), st.integers(1, 3)), max_size=6))
def test_features_match_the_definitions_on_any_history(rows: list[tuple], raw_links: list) -> None:
    """History as it was known: each target sees each earlier episode as its newest version sent
    by the target's own sending, so a later correction never changes an earlier answer."""
    episodes = pd.DataFrame.from_records(
        [version for k, row in enumerate(rows) for version in _versions(k, row)],
        columns=EPISODE_COLUMNS,
    )
    for column in ("last_seen_at", "returned_at", "sent_at", "until"):
        episodes[column] = pd.to_datetime(episodes[column], utc=True)
    links = [(e, c) for e, c in raw_links if e < len(rows)]
    forward = [
        (e, rows[e][0], c, T0 + timedelta(hours=rows[e][1]), _sent(rows[e])) for e, c in links
    ]
    backward = [(e, c, owner, seen, sent) for e, owner, c, seen, sent in forward]
    edges = pd.DataFrame.from_records(forward + backward, columns=EDGE_COLUMNS)
    edges["last_seen_at"] = pd.to_datetime(edges["last_seen_at"], utc=True)
    edges["sent_at"] = pd.to_datetime(edges["sent_at"], utc=True)
    targets = targets_frame(
        [(k, r[0], T0 + timedelta(hours=r[1]), k, _sent(r)) for k, r in enumerate(rows)]
    )
    computed = compute_features(episodes, edges, targets)
    for k in range(len(rows)):
        got = _row(computed.loc[k])
        assert got == naive(rows, links, k), k
