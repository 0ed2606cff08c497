"""The case record system's and the fostering service's extracts of a synthetic city, diverging
from the police feed the way real systems do, and the truth of every divergence.

    extracts = extract(city)
    extracts.case_record   # rows of docs/reconciliation.md's case record extract
    extracts.fostering     # rows of its fostering extract
    extracts.truth         # one row per divergence: source, record_id, police_reference, reason

The case record holds every episode police notify of a child the council looks after or
supports, except: a child placed here by another authority (their own authority records it);
an absence, recorded as missing or not at all; some short episodes (under a day), never
recorded; a few lost for no reason anyone could give; some recorded as "away" (from placement
without authorisation) not missing; times written hours off (the time someone noticed),
sometimes into another month. It also holds care leavers' episodes past 18, which police never
notify as a child's. An episode police were called about twice (`triage.synth.calls`) is held
once, as the first call's: the second call's reference is a duplicate police call. The
fostering service records its foster children's episodes the same way, more loosely: more short
episodes missed, more "away", its own ids (the council's id often blank) and names typed by
hand. Reasons use the codes of `triage.reconciliation.reasons`.
Deterministic: the city's seed draws every divergence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from triage.identity.names import name_key
from triage.notification.fields import UK
from triage.synth.city import ChildTruth, SyntheticCity
from triage.synth.mess import misspell
from triage.vetting.facts import authority_key

CASE_RECORD_COLUMNS = [
    "record_id", "local_child_id", "given_name", "family_name", "date_of_birth",
    "legal_status", "placement_type", "responsible_authority", "category",
    "started_at", "ended_at",
]  # fmt: skip
FOSTERING_COLUMNS = [
    "record_id", "local_child_id", "given_name", "family_name", "date_of_birth",
    "category", "started_at", "ended_at",
]  # fmt: skip
TRUTH_COLUMNS = ["source", "record_id", "police_reference", "reason"]

# Assumptions (no published figure; DfE's note and the Birmingham report give the direction):
_CASE = {"absence_as_missing": 0.5, "short_missed": 0.2, "lost": 0.012, "away": 0.08,
         "shifted": 0.2}  # fmt: skip
_FOSTERING = {"absence_as_missing": 0.6, "short_missed": 0.3, "lost": 0.012, "away": 0.15,
              "shifted": 0.3, "id_blank": 0.25, "typo": 0.04}  # fmt: skip
_CARE_LEAVERS = 0.3  # of our looked-after children who turn 18 in the window, go missing after
_MOST_SHIFT_HOURS = 5.0


@dataclass(frozen=True)
class Extracts:
    case_record: list[dict[str, str]]
    fostering: list[dict[str, str]]
    truth: list[dict[str, str]]


@dataclass(frozen=True)
class _Police:
    reference: str
    child: ChildTruth
    classification: str
    started: datetime
    ended: datetime | None
    placed_elsewhere: bool
    known: tuple[frozenset[str], frozenset[str]]  # local ids and name|dob keys police gave
    duplicate_of: str | None  # a second call's: the first call's reference


def extract(city: SyntheticCity) -> Extracts:
    """Both extracts and the truth of each divergence, for the whole window."""
    rng = np.random.default_rng([city.seed, 14])
    episodes = _police_episodes(city)
    out = Extracts([], [], [])
    for episode in episodes:
        fostered = episode.child.looked_after and episode.child.placement_type == "foster_care"
        if episode.duplicate_of:
            # Both sources hold the episode once (the first call's): this call is a difference.
            for source in ("case-record", "fostering") if fostered else ("case-record",):
                _truth(out, source, "", episode.reference, "duplicate_police_call")
            continue
        _case_record(rng, episode, out)
        if fostered:
            _fostering(rng, episode, out)
    _care_leavers(rng, city, out)
    return out


def _police_episodes(city: SyntheticCity) -> list[_Police]:
    """Each valid episode's latest payload, with what police gave of the child across all of
    that child's notifications (the service joins them by its own identity matching)."""
    truth = {t.police_reference: t for t in city.truth}
    children = {c.child_key: c for c in city.children}
    home = authority_key(city.home_authority)
    latest: dict[str, dict[str, Any]] = {}
    for record in city.records:
        # A deliberately broken record may have lost its reference: it is no episode.
        found = truth.get(str(record.get("police_reference")))
        if found is not None and not found.invalid:
            latest[found.police_reference] = record
    ids: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for reference, record in latest.items():
        key, child = truth[reference].child_key, record["child"]
        if child["local_child_id"]:
            ids[key].add(child["local_child_id"])
        names[key].add(_name(child["given_name"], child["family_name"], child["date_of_birth"]))
    out = []
    for reference, record in latest.items():
        child = children[truth[reference].child_key]
        episode = record["episode"]
        authority = child.responsible_authority or ""
        out.append(
            _Police(
                reference=reference,
                child=child,
                classification=record["police_classification"],
                started=_utc(episode["last_seen_at"]),
                ended=_utc(episode["returned_at"]) if episode["returned_at"] else None,
                placed_elsewhere=child.looked_after
                and bool(authority)
                and authority_key(authority) != home,
                known=(frozenset(ids[child.child_key]), frozenset(names[child.child_key])),
                duplicate_of=truth[reference].duplicate_of,
            )
        )
    out.sort(key=lambda p: (p.started, p.reference))
    return out


def _case_record(rng: np.random.Generator, p: _Police, out: Extracts) -> None:
    draw = rng.random(4)
    ref, source = p.reference, "case-record"
    if p.placed_elsewhere:
        return _truth(out, source, "", ref, "placed_from_another_area")
    kind = "missing"
    if p.classification == "absent":
        if draw[0] >= _CASE["absence_as_missing"]:
            return _truth(out, source, "", ref, "absent_versus_missing")
        kind, reason = "missing", "absent_versus_missing"
    elif _short(p) and draw[0] < _CASE["short_missed"]:
        return _truth(out, source, "", ref, "under_24_hours")
    elif draw[1] < _CASE["lost"]:
        return _truth(out, source, "", ref, _lost(p))
    elif p.child.looked_after and draw[2] < _CASE["away"]:
        kind, reason = "away", "away_versus_missing"
    else:
        reason = ""
    record_id = f"CR-{len(out.case_record) + 1:07d}"
    c = p.child
    local = c.local_child_id
    if c.second_local_child_id and rng.random() < 0.3:
        local = c.second_local_child_id  # the council's duplicate record of the child
    started, ended = _shifted(rng, p, _CASE["shifted"])
    out.case_record.append(
        {
            "record_id": record_id,
            "local_child_id": local,
            "given_name": c.given_name,
            "family_name": c.family_name,
            "date_of_birth": c.date_of_birth.isoformat(),
            "legal_status": c.legal_status,
            "placement_type": c.placement_type or "",
            "responsible_authority": c.responsible_authority or "",
            "category": kind,
            "started_at": _local(started),
            "ended_at": _local(ended) if ended else "",
        }
    )
    identity = ({local}, {_name(c.given_name, c.family_name, c.date_of_birth.isoformat())})
    _explain(out, source, record_id, p, started, reason, identity)


def _fostering(rng: np.random.Generator, p: _Police, out: Extracts) -> None:
    draw = rng.random(6)
    ref, source = p.reference, "fostering"
    if p.placed_elsewhere:
        return _truth(out, source, "", ref, "placed_from_another_area")
    kind, reason = "missing", ""
    if p.classification == "absent":
        if draw[0] >= _FOSTERING["absence_as_missing"]:
            return _truth(out, source, "", ref, "absent_versus_missing")
        reason = "absent_versus_missing"
    elif _short(p) and draw[0] < _FOSTERING["short_missed"]:
        return _truth(out, source, "", ref, "under_24_hours")
    elif draw[1] < _FOSTERING["lost"]:
        return _truth(out, source, "", ref, _lost(p))
    elif draw[2] < _FOSTERING["away"]:
        kind, reason = "away", "away_versus_missing"
    c = p.child
    given, family, local = c.given_name, c.family_name, c.local_child_id
    if draw[3] < _FOSTERING["id_blank"]:
        local = ""
    if draw[4] < _FOSTERING["typo"]:
        local, family = "", misspell(rng, family)
    record_id = f"FS-{len(out.fostering) + 1:06d}"
    started, ended = _shifted(rng, p, _FOSTERING["shifted"])
    out.fostering.append(
        {
            "record_id": record_id,
            "local_child_id": local,
            "given_name": given,
            "family_name": family,
            "date_of_birth": c.date_of_birth.isoformat(),
            "category": kind,
            "started_at": _local(started),
            "ended_at": _local(ended) if ended else "",
        }
    )
    identity = ({local} - {""}, {_name(given, family, c.date_of_birth.isoformat())})
    _explain(out, source, record_id, p, started, reason, identity)


def _explain(
    out: Extracts,
    source: str,
    record_id: str,
    p: _Police,
    started: datetime,
    reason: str,
    identity: tuple[set[str], set[str]],
) -> None:
    """The truth of a record kept: the identity first (police and it never share an id or a
    name with the birth date), then a month crossed, then the kind it was given."""
    ids, names = p.known
    if not (identity[0] & ids or identity[1] & names):
        reason = "identity_not_matched"
    elif not reason and _month(started) != _month(p.started):
        reason = "outside_the_period"
    if reason:
        _truth(out, source, record_id, p.reference, reason)


def _care_leavers(rng: np.random.Generator, city: SyntheticCity, out: Extracts) -> None:
    """Episodes after the 18th birthday of some looked-after children of ours (care leavers),
    in the case record, and in the fostering service's for those staying with their carers."""
    home = authority_key(city.home_authority)
    end = datetime(city.start.year, city.start.month, 1, tzinfo=UK) + timedelta(
        days=30.44 * city.months - 3
    )
    start = datetime(city.start.year, city.start.month, 1, tzinfo=UK)
    for c in city.children:
        if not c.looked_after or authority_key(c.responsible_authority or home) != home:
            continue
        adult = datetime(c.date_of_birth.year + 18, c.date_of_birth.month, 1, tzinfo=UK)
        if not start <= adult < end - timedelta(days=20) or rng.random() >= _CARE_LEAVERS:
            continue
        for _ in range(int(rng.integers(1, 4))):
            began = adult + timedelta(
                days=float(rng.uniform(35, 60)), hours=float(rng.uniform(0, 23))
            )
            if began >= end:
                continue
            finished = began + timedelta(hours=float(rng.uniform(3, 60)))
            record_id = f"CR-{len(out.case_record) + 1:07d}"
            out.case_record.append(
                {
                    "record_id": record_id,
                    "local_child_id": c.local_child_id,
                    "given_name": c.given_name,
                    "family_name": c.family_name,
                    "date_of_birth": c.date_of_birth.isoformat(),
                    "legal_status": "care_leaver",
                    "placement_type": c.placement_type or "",
                    "responsible_authority": c.responsible_authority or "",
                    "category": "missing",
                    "started_at": _local(began),
                    "ended_at": _local(finished),
                }
            )
            _truth(out, "case-record", record_id, "", "over_18_or_care_leaver")
            if c.placement_type == "foster_care" and rng.random() < 0.5:
                fostering_id = f"FS-{len(out.fostering) + 1:06d}"
                out.fostering.append(
                    {
                        "record_id": fostering_id,
                        "local_child_id": c.local_child_id,
                        "given_name": c.given_name,
                        "family_name": c.family_name,
                        "date_of_birth": c.date_of_birth.isoformat(),
                        "category": "missing",
                        "started_at": _local(began),
                        "ended_at": _local(finished),
                    }
                )
                _truth(out, "fostering", fostering_id, "", "over_18_or_care_leaver")


def _shifted(
    rng: np.random.Generator, p: _Police, share: float
) -> tuple[datetime, datetime | None]:
    """The episode's times as the source wrote them: usually to the minute, else hours off."""
    if rng.random() >= share:
        return p.started, p.ended
    hours = float(rng.uniform(0.5, _MOST_SHIFT_HOURS)) * (1 if rng.random() < 0.7 else -1)
    shift = timedelta(hours=hours)
    return p.started + shift, (p.ended + shift if p.ended else None)


def _lost(p: _Police) -> str:
    """A record lost for no reason: a short episode's loss still reads as a short one missed."""
    return "under_24_hours" if _short(p) else "no_reason_found"


def _short(p: _Police) -> bool:
    return p.ended is not None and p.ended - p.started < timedelta(hours=24)


def _truth(out: Extracts, source: str, record_id: str, reference: str, reason: str) -> None:
    out.truth.append(
        {"source": source, "record_id": record_id, "police_reference": reference, "reason": reason}
    )


def _name(given: str, family: str, born: str) -> str:
    return f"{name_key(given, family)}|{born}"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M")


def _month(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(UK)
    return local.year, local.month
