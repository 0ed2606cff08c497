"""Notification payloads, exactly as the contract dumps them, and the order police send them.

Every valid payload equals `Notification.model_dump(mode="json")` of itself: fields in the
contract's order, UTC times with a `Z`, absent values as null. An episode is sent once, or
twice (first while the child is missing, then an update with the same police reference once
they are back); a few payloads are sent again unchanged, later (a resubmission), and a few are
deliberately broken. A few episodes are reported twice (`triage.synth.calls`): the second call's
notifications are the first's, under its own reference, a little later.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from triage.notification.models import SCHEMA_VERSION
from triage.synth.broken import KINDS, break_record
from triage.synth.calls import SecondCalls
from triage.synth.clock import HOUR, iso_utc
from triage.synth.reporting import NO_TIME

DUPLICATE_SHARE = 0.012  # assumption: about one episode in eighty is resent unchanged


@dataclass(frozen=True)
class EpisodeText:
    """What police wrote about each reported episode, and what they ticked."""

    circumstances: list[str]
    return_note: list[str]
    last_seen_location: list[str | None]
    return_location: list[str | None]
    at_report: list[list[str]]
    on_return: list[list[str]]


@dataclass(frozen=True)
class Sending:
    """When each version of each episode was sent (UTC seconds, NO_TIME for none)."""

    reported: np.ndarray
    last_seen: np.ndarray
    returned: np.ndarray
    open_sent: np.ndarray
    closed_sent: np.ndarray


@dataclass(frozen=True)
class Recorded:
    """What police recorded about each reported episode, whichever version is sent."""

    references: list[str]
    forces: list[str]
    grades: list[str]
    classifications: list[str]
    children: list[dict[str, Any]]
    companions: list[list[dict[str, str | None]]]


@dataclass(frozen=True)
class Outbox:
    """The payloads in sending order, and which episodes were deliberately broken."""

    records: list[dict[str, Any]]
    broken_field: dict[int, str]  # episode position -> dotted path of the broken field
    second_calls: dict[int, list[str]]  # episode position -> its second calls' references


# One payload on its way: (when it reaches the council, police reference, version, episode
# position, payload). Sorting by the first three gives the arrival order.
_Outgoing = tuple[int, str, int, int, dict[str, Any]]


def compose(
    rng: np.random.Generator,
    *,
    recorded: Recorded,
    sending: Sending,
    text: EpisodeText,
    window_end: int,
    invalid_rate: float,
    second: SecondCalls,
) -> Outbox:
    """Every payload, sorted by when it reached the council (resubmissions arrive later).

    A second call about a deliberately broken episode, or one that would reach the council
    after the window, is not made."""
    outgoing, latest = _payloads(recorded, sending, text)
    single = np.flatnonzero(sending.open_sent == NO_TIME)
    count = min(len(single), round(invalid_rate * len(outgoing)))
    broken = np.sort(rng.choice(single, count, replace=False)) if count else single[:0]
    broken_field = {
        i: break_record(rng, outgoing[latest[i]][4], KINDS[k % len(KINDS)])
        for k, i in enumerate(broken.tolist())
    }
    outgoing += _resubmissions(rng, outgoing, latest, set(broken_field), window_end)
    calls, made = _second_calls(outgoing, second, sending, set(broken_field), window_end)
    outgoing += calls
    outgoing.sort(key=lambda item: item[:3])
    return Outbox([item[4] for item in outgoing], broken_field, made)


def _payloads(
    recorded: Recorded, sending: Sending, text: EpisodeText
) -> tuple[list[_Outgoing], list[int]]:
    """Each episode's one or two versions; and, per episode, where its latest version is."""
    reported, seen = iso_utc(sending.reported), iso_utc(sending.last_seen)
    returned = iso_utc(np.maximum(sending.returned, 0))
    open_sent = iso_utc(np.maximum(sending.open_sent, 0))
    closed_sent = iso_utc(np.maximum(sending.closed_sent, 0))
    open_when, closed_when = sending.open_sent.tolist(), sending.closed_sent.tolist()
    outgoing: list[_Outgoing] = []
    latest: list[int] = []
    for i, reference in enumerate(recorded.references):
        versions = []
        if open_when[i] != NO_TIME:
            episode = _episode(
                reported[i], seen[i], text.last_seen_location[i], None, None,
                text.circumstances[i], recorded.companions[i], text.at_report[i],
            )  # fmt: skip
            versions.append((open_when[i], open_sent[i], episode))
        if closed_when[i] != NO_TIME:
            note = " ".join(filter(None, (text.circumstances[i], text.return_note[i])))
            episode = _episode(
                reported[i], seen[i], text.last_seen_location[i], returned[i],
                text.return_location[i], note, recorded.companions[i], text.on_return[i],
            )  # fmt: skip
            versions.append((closed_when[i], closed_sent[i], episode))
        for version, (when, sent_at, episode) in enumerate(versions):
            record = {
                "schema_version": SCHEMA_VERSION,
                "police_reference": reference,
                "force": recorded.forces[i],
                "sent_at": sent_at,
                "police_classification": recorded.classifications[i],
                "police_risk_grade": recorded.grades[i],
                "child": dict(recorded.children[i]),
                "episode": episode,
            }
            outgoing.append((when, reference, version, i, record))
        latest.append(len(outgoing) - 1)
    return outgoing, latest


def _resubmissions(
    rng: np.random.Generator,
    outgoing: list[_Outgoing],
    latest: list[int],
    broken: set[int],
    window_end: int,
) -> list[_Outgoing]:
    """Exact copies of some episodes' latest payloads, arriving 1 to 72 hours later."""
    candidates = np.array([i for i in range(len(latest)) if i not in broken], dtype=np.int64)
    resent = candidates[rng.random(len(candidates)) < DUPLICATE_SHARE]
    delays = rng.integers(1 * HOUR, 72 * HOUR, len(resent))
    copies = []
    for i, delay in zip(resent.tolist(), delays.tolist(), strict=True):
        when, reference, _, _, record = outgoing[latest[i]]
        if when + delay < window_end:
            copies.append((when + delay, reference, 2, i, copy.deepcopy(record)))
    return copies


def _second_calls(
    outgoing: list[_Outgoing],
    second: SecondCalls,
    sending: Sending,
    broken: set[int],
    window_end: int,
) -> tuple[list[_Outgoing], dict[int, list[str]]]:
    """Each second call's versions: its first call's, as many hours later as the second report
    came, except an open version that would be sent after the child was back (the force knew
    by then). Also, by first call, the references of the second calls made."""
    versions: dict[int, list[_Outgoing]] = {i: [] for i in second.first.tolist()}
    for item in outgoing:
        if item[3] in versions and item[2] < 2:  # a resubmission is no version of its own
            versions[item[3]].append(item)
    reported, seen = iso_utc(second.reported), iso_utc(second.last_seen)
    calls: list[_Outgoing] = []
    made: dict[int, list[str]] = {}
    for k, first in enumerate(second.first.tolist()):
        if first in broken:
            continue
        late = int(second.reported[k] - sending.reported[first])
        mine = []
        for when, _, version, _, record in versions[first]:
            when += late
            still_open = record["episode"]["returned_at"] is None
            if when >= window_end or (still_open and when >= sending.returned[first]):
                continue
            copied = copy.deepcopy(record)
            copied.update(
                police_reference=second.reference[k],
                force=second.force[k],
                sent_at=iso_utc(np.array([when]))[0],
                child=dict(second.children[k]),
            )
            copied["episode"].update(reported_at=reported[k], last_seen_at=seen[k])
            mine.append((when, second.reference[k], version, first, copied))
        if mine:
            calls += mine
            made.setdefault(first, []).append(second.reference[k])
    return calls, made


def _episode(
    reported: str,
    seen: str,
    seen_at: str | None,
    returned: str | None,
    found_at: str | None,
    circumstances: str,
    companions: list[dict[str, str | None]],
    indicators: list[str],
) -> dict[str, Any]:
    return {
        "reported_at": reported,
        "last_seen_at": seen,
        "last_seen_location": seen_at,
        "returned_at": returned,
        "return_location": found_at,
        "circumstances": circumstances,
        "companions": [dict(c) for c in companions],
        "indicators": list(indicators),
    }
