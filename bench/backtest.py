"""Benchmark: a back-test of live against one candidate over a national history (`make bench`).

A five-year synthetic history of about 1,000,000 notification versions (a city 66 times
Birmingham's, roughly England and Wales) is made once and kept in var/bench/history-1000000/.
The candidate is the "every absence is missing" switch. Prints, and writes to
var/bench/backtest.json:
- wall time of `backtest(..., workers=N)` (one spawned process per core by default), versions and
  decisions (versions and their re-vets as hours pass, each decided both ways) a second;
- peak memory: the resident sets of this process and its worker processes, summed, sampled
  every quarter second (shared pages are counted once per process: an upper bound);
- per core: decisions a second per worker and per CPU-second the workers used, against the bare
  engine on the same facts measured in this run (both sides' facts for a sample of chunks,
  asserted straight into the engine as bench/vetting.py does), and the ratio;
- the machine's load average before and after (other people's work shares the cores).

Writing the store: loading a million records through `triage load` (matching and vetting each)
would take hours and is not what this measures. `national_history` writes the stored state
straight into the tables instead, as intake would leave it: one child record per true child with
its identifiers, every valid version police sent of each episode (numbered in sending order),
the episode row holding its newest version's fields, and the newest version's companions; the
broken records intake would quarantine are left out; outcomes go to truth.csv beside the store.
Usage: python bench/backtest.py [NOTIFICATIONS] (default 1000000).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select

from triage.analysis.backtest import backtest
from triage.analysis.chunks import chunks, scope_of, tally_chunk
from triage.analysis.replay import (
    candidate_vetter,
    edited_rules,
    moments,
    prepare_both,
    stored_versions,
)
from triage.identity.names import name_key
from triage.notification import parse_notification
from triage.rules import RuleEngine
from triage.settings import get_settings
from triage.store import create_database
from triage.store.tables import (
    ChildIdentifier,
    ChildRecord,
    EpisodeCompanion,
    EpisodeRecord,
    NotificationVersion,
)
from triage.synth import generate_city
from triage.vetting import create_vetter
from triage.vetting.batch import CHUNK

OUT = Path("var/bench")
SAMPLED_CHUNKS = 12  # chunks, spread over the history, the bare engine is timed on


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    store, truth = national_history(OUT / f"history-{wanted}", wanted)
    settings = get_settings(database_url=f"sqlite:///{store}")
    scratch = Path(tempfile.mkdtemp(prefix="bench-backtest-"))
    candidate = edited_rules(
        settings.rules_dir, scratch / "rules-switched", reclassify_every_absence=True
    )
    workers = len(os.sched_getaffinity(0))
    load_before = os.getloadavg()
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    result = backtest(candidate, settings=settings, outcomes=truth, workers=workers)
    wall = time.perf_counter() - started
    sampler.stop()
    load_after = os.getloadavg()
    database = create_database(settings, migrate=False)
    with database.reading() as session:
        versions = session.scalar(select(func.count()).select_from(NotificationVersion)) or 0
    decisions = result.summary["decisions"]
    bare, same_process, sampled = _bare_and_one_process(settings, candidate, database)
    database.dispose()
    per_worker = decisions / wall / workers
    per_cpu_second = decisions / sampler.worker_cpu_seconds if sampler.worker_cpu_seconds else 0.0
    figures = {
        "notifications": versions,
        "decisions": decisions,
        "workers": workers,
        "wall_seconds": round(wall, 1),
        "notifications_per_second": round(versions / wall),
        "decisions_per_second": round(decisions / wall),
        "peak_memory_mb": round(sampler.peak / 2**20),
        "worker_cpu_seconds": round(sampler.worker_cpu_seconds, 1),
        "per_core_decisions_per_second": round(per_worker),
        "per_cpu_second_decisions": round(per_cpu_second),
        "bare_engine_decisions_per_cpu_second": round(bare),
        "per_core_wall_to_bare_ratio": round(per_worker / bare, 3),
        "per_cpu_second_to_bare_ratio": round(per_cpu_second / bare, 3),
        "one_process_per_cpu_second_on_the_sample_to_bare_ratio": round(same_process / bare, 3),
        "bare_sample_decisions": sampled,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "decisions_that_differ": result.summary["decisions_that_differ"],
        "episodes_reclassified_as_missing": result.summary["episodes_reclassified_as_missing"],
        "python": sys.version.split()[0],
    }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    (OUT / "backtest.json").write_text(json.dumps(figures, indent=2) + "\n")


class _Sampler(threading.Thread):
    """The summed resident set of this process and its children, and the children's CPU time,
    every quarter second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._cpu: dict[int, float] = {}
        self._done = threading.Event()

    @property
    def worker_cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def run(self) -> None:
        me = psutil.Process()
        while not self._done.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                    times = child.cpu_times()
                    self._cpu[child.pid] = times.user + times.system
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._done.wait(0.25)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _bare_and_one_process(
    settings: Any, candidate: Path, database: Any
) -> tuple[float, float, int]:
    """Decisions a second on a sample of chunks: the bare engine asserting both sides' facts
    (as bench/vetting.py times it), and the back-test's own chunk path in this one process."""
    engine = RuleEngine()
    live = create_vetter(settings, engine)
    trial = candidate_vetter(
        engine, candidate, home_authority=settings.home_authority, model_dir=settings.model_dir
    )
    with database.reading() as session:
        scope, _newest = scope_of(session, live, trial, since=None, until=None)
        cut = chunks(session, scope)
        step = max(len(cut) // SAMPLED_CHUNKS, 1)
        sample = cut[::step][:SAMPLED_CHUNKS]
        facts: list[tuple[str, list[dict[str, Any]]]] = []
        decided = 0
        started = time.process_time()  # this process's CPU time, the engine's thread too
        for children in sample:
            decided += tally_chunk(session, children, live, trial, scope).decisions
        one_process = decided / (time.process_time() - started)
        for children in sample:
            versions = stored_versions(session, children=children)
            planned = moments(session, versions, scope.thresholds, end=scope.end, children=children)
            for prepared, vetter in zip(
                prepare_both(session, planned, live, trial), (live, trial), strict=True
            ):
                facts.append((vetter.rulebook.current.engine_name, prepared.facts))
    gc.freeze()  # the conditions the batch path runs in (see bench/vetting.py)
    started = time.process_time()
    for name, side in facts:
        for start in range(0, len(side), CHUNK):
            engine.evaluate_many(name, side[start : start + CHUNK])
    bare = decided / (time.process_time() - started)
    gc.unfreeze()
    engine.close()
    return bare, one_process, decided


MONTHS = 60  # five years
RECORDS_PER_SCALE = 15_040  # valid versions a city of scale 1 sends in five years (measured)


def national_history(folder: Path, notifications: int, *, seed: int = 7) -> tuple[Path, Path]:
    """The store (SQLite file) and truth.csv of a five-year city sending about `notifications`
    versions, made once and reused (the folder's name carries the size)."""
    folder.mkdir(parents=True, exist_ok=True)
    store, truth = folder / "history.db", folder / "truth.csv"
    done = folder / "done.json"
    if done.exists() and store.exists() and truth.exists():
        return store, truth
    store.unlink(missing_ok=True)
    started = time.perf_counter()
    scale = notifications / RECORDS_PER_SCALE
    city = generate_city(months=MONTHS, scale=scale, seed=seed)
    generated = time.perf_counter() - started
    print(f"generated {len(city.records):,} records at scale {scale:.1f} in {generated:.0f} s")
    started = time.perf_counter()
    settings = get_settings(database_url=f"sqlite:///{store}")
    database = create_database(settings)
    try:
        versions = _store(database, city)
    finally:
        database.dispose()
    with truth.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["police_reference", "outcome"])
        writer.writerows((t.police_reference, str(t.outcome).lower()) for t in city.truth)
    stored = time.perf_counter() - started
    print(f"stored {versions:,} versions in {stored:.0f} s")
    done.write_text(json.dumps({"versions": versions, "scale": scale, "seed": seed}) + "\n")
    return store, truth


def _store(database: Any, city: Any) -> int:
    """Write the rows intake would leave for this city (see the module docstring)."""
    now = datetime.now(UTC)
    truth = {t.police_reference: t for t in city.truth}
    child_ids = {c.child_key: k for k, c in enumerate(city.children, start=1)}
    by_reference: dict[str, list[Any]] = defaultdict(list)
    for record in city.records:
        reference = record.get("police_reference")
        if reference is None or reference not in truth or truth[reference].invalid:
            continue
        by_reference[reference].append(record)
    count = 0
    with database.transaction() as session:
        _chunked(session, ChildRecord, _children(city, child_ids, now))
        _chunked(session, ChildIdentifier, _identifiers(city, child_ids))
        episodes, versions, companions = [], [], []
        for episode_id, (reference, records) in enumerate(by_reference.items(), start=1):
            sent = sorted((parse_notification(r) for r in records), key=lambda n: n.sent_at)
            newest = sent[-1]
            for number, n in enumerate(sent, start=1):
                payload = n.model_dump(mode="json")
                versions.append(
                    {
                        "episode_id": episode_id,
                        "version": number,
                        "sent_at": n.sent_at,
                        "received_at": n.sent_at,
                        "content_hash": hashlib.sha256(
                            json.dumps(payload, sort_keys=True).encode()
                        ).hexdigest(),
                        "payload": payload,
                        "last_seen_at": n.episode.last_seen_at,
                        "returned_at": n.episode.returned_at,
                        "police_classification": n.police_classification.value,
                        "police_risk_grade": n.police_risk_grade.value,
                        "indicators": sorted(i.value for i in n.episode.indicators),
                    }
                )
            episodes.append(
                {
                    "id": episode_id,
                    "police_reference": reference,
                    "child_id": child_ids[truth[reference].child_key],
                    "match_method": "bench",
                    "sent_at": newest.sent_at,
                    "police_classification": newest.police_classification.value,
                    "police_risk_grade": newest.police_risk_grade.value,
                    "reported_at": newest.episode.reported_at,
                    "last_seen_at": newest.episode.last_seen_at,
                    "returned_at": newest.episode.returned_at,
                    "indicators": sorted(i.value for i in newest.episode.indicators),
                    "version_count": len(sent),
                    "updated_at": now,
                }
            )
            seen = set()
            for companion in newest.episode.companions:
                for kind in ("local_child_id", "police_person_id"):
                    value = getattr(companion, kind)
                    if value and (kind, value) not in seen:
                        seen.add((kind, value))
                        companions.append({"episode_id": episode_id, "kind": kind, "value": value})
            if len(versions) >= 20_000:
                count += len(versions)
                _chunked(session, EpisodeRecord, episodes)
                _chunked(session, NotificationVersion, versions)
                _chunked(session, EpisodeCompanion, companions)
                episodes, versions, companions = [], [], []
        count += len(versions)
        _chunked(session, EpisodeRecord, episodes)
        _chunked(session, NotificationVersion, versions)
        _chunked(session, EpisodeCompanion, companions)
    return count


def _children(city: Any, child_ids: dict[str, int], now: datetime) -> Iterable[dict[str, Any]]:
    for c in city.children:
        yield {
            "id": child_ids[c.child_key],
            "given_name": c.given_name,
            "family_name": c.family_name,
            "name_key": name_key(c.given_name, c.family_name),
            "date_of_birth": c.date_of_birth,
            "sex": c.sex,
            "ethnicity": c.ethnicity,
            "created_at": now,
        }


def _identifiers(city: Any, child_ids: dict[str, int]) -> Iterable[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    for c in city.children:
        values = [("local_child_id", c.local_child_id)]
        values += [("local_child_id", c.second_local_child_id)] if c.second_local_child_id else []
        values += [("police_person_id", p) for p in c.police_person_ids]
        for pair in values:
            if pair not in seen:
                seen.add(pair)
                yield {"child_id": child_ids[c.child_key], "kind": pair[0], "value": pair[1]}


def _chunked(session: Any, table: Any, rows: Iterable[dict[str, Any]], size: int = 20_000) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            session.execute(insert(table), batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)


if __name__ == "__main__":
    main()
