"""Benchmark: vetting a synthetic history of 200,000+ notifications (`make bench`).

Prints, and writes to var/bench/vetting.json:
- batch vetting rate (notifications a second, all of them against the stored history),
- the bare engine's rate on the same ruleset asserting the same prepared facts, and the ratio,
- single vetting latency (p50, p99) against a store holding the whole history,
- peak memory (resident set) of the process.

Building the store: loading 200,000 records through `triage load` (one transaction, identity
matching and vetting per record) takes tens of minutes, which is not what this measures. The
benchmark writes the stored state straight into the tables instead: one child record per true
child, its identifiers, each episode's newest version and its companions, exactly the rows
intake would leave. Everything timed below is the product's own code.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import resource
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles

from sqlalchemy import insert

from triage.identity.names import name_key
from triage.notification import Notification, parse_notification
from triage.rules import RuleEngine
from triage.settings import get_settings
from triage.store import Database, create_database
from triage.store.tables import (
    ChildIdentifier,
    ChildRecord,
    EpisodeCompanion,
    EpisodeRecord,
    NotificationVersion,
)
from triage.synth import generate_city
from triage.vetting import create_vetter
from triage.vetting.batch import CHUNK, IdentityIndex, prepare, vet_batch

OUT = Path("var/bench")
SINGLE_SAMPLES = 2_000


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    city = generate_city(months=120, scale=9, seed=7)
    newest: dict[str, dict] = {}
    invalid = {t.police_reference for t in city.truth if t.invalid}
    for record in city.records:
        reference = record.get("police_reference")
        if reference is None or reference in invalid:
            continue
        if reference not in newest or record["sent_at"] >= newest[reference]["sent_at"]:
            newest[reference] = record
    notifications = [parse_notification(record) for record in newest.values()]
    notifications.sort(key=lambda n: n.sent_at)
    print(
        f"generated {len(city.records):,} records, {len(notifications):,} episodes "
        f"in {time.perf_counter() - started:.1f} s"
    )

    path = OUT / "history.db"
    path.unlink(missing_ok=True)
    settings = get_settings(database_url=f"sqlite:///{path}")
    database = create_database(settings)
    started = time.perf_counter()
    build_store(database, city, notifications)
    print(f"stored the history in {time.perf_counter() - started:.1f} s")

    engine = RuleEngine()
    vetter = create_vetter(settings, engine)
    ruleset = vetter.rulebook.current

    with database.reading() as session:
        started = time.perf_counter()
        decisions = vet_batch(session, notifications, vetter)
        batch_seconds = time.perf_counter() - started
        prepared = prepare(session, notifications, vetter)
    facts = prepared.facts
    # The same conditions as the batch run, which keeps long-lived objects from the collector.
    gc.freeze()
    started = time.perf_counter()
    for start in range(0, len(facts), CHUNK):
        engine.evaluate_many(ruleset.engine_name, facts[start : start + CHUNK])
    bare_seconds = time.perf_counter() - started
    gc.unfreeze()

    sample = random.Random(7).sample(notifications, SINGLE_SAMPLES)
    with database.reading() as session:
        index = IdentityIndex.load(session)
    latencies = []
    for n in sample:
        begun = time.perf_counter()
        with database.reading() as session:
            child, episode = index.child_of(n)
            vetter.vet(session, n, child_id=child, episode_id=episode)
        latencies.append((time.perf_counter() - begun) * 1000)
    cuts = quantiles(latencies, n=100)

    count = len(notifications)
    results = {
        "notifications": count,
        "batch_per_second": round(count / batch_seconds),
        "bare_engine_per_second": round(count / bare_seconds),
        "batch_to_bare_ratio": round((count / batch_seconds) / (count / bare_seconds), 3),
        "single_p50_ms": round(cuts[49], 2),
        "single_p99_ms": round(cuts[98], 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "levels": {
            level: sum(1 for d in decisions if d.vetted_level == level)
            for level in ("no_apparent_risk", "low", "medium", "high")
        },
        "ruleset": ruleset.version[:12],
        "python": sys.version.split()[0],
    }
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    (OUT / "vetting.json").write_text(json.dumps(results, indent=2) + "\n")
    engine.close()


def build_store(database: Database, city, notifications: list[Notification]) -> None:
    """Write the rows intake would leave for this history (see the module docstring)."""
    now = datetime.now(UTC)
    truth = {t.police_reference: t.child_key for t in city.truth}
    child_ids = {c.child_key: k for k, c in enumerate(city.children, start=1)}
    with database.transaction() as session:
        _chunked(
            session,
            ChildRecord,
            (
                {
                    "id": child_ids[c.child_key],
                    "given_name": c.given_name,
                    "family_name": c.family_name,
                    "name_key": name_key(c.given_name, c.family_name),
                    "date_of_birth": c.date_of_birth,
                    "sex": c.sex,
                    "ethnicity": c.ethnicity,
                    "created_at": now,
                }
                for c in city.children
            ),
        )
        seen: set[tuple[str, str]] = set()
        identifiers = []
        for c in city.children:
            values = [("local_child_id", c.local_child_id)]
            values += (
                [("local_child_id", c.second_local_child_id)] if c.second_local_child_id else []
            )
            values += [("police_person_id", p) for p in c.police_person_ids]
            for pair in values:
                if pair not in seen:
                    seen.add(pair)
                    identifiers.append(
                        {"child_id": child_ids[c.child_key], "kind": pair[0], "value": pair[1]}
                    )
        _chunked(session, ChildIdentifier, identifiers)
        episodes, versions, companions = [], [], []
        for episode_id, n in enumerate(notifications, start=1):
            payload = n.model_dump(mode="json")
            episodes.append(
                {
                    "id": episode_id,
                    "police_reference": n.police_reference,
                    "child_id": child_ids[truth[n.police_reference]],
                    "match_method": "bench",
                    "sent_at": n.sent_at,
                    "police_classification": n.police_classification.value,
                    "police_risk_grade": n.police_risk_grade.value,
                    "reported_at": n.episode.reported_at,
                    "last_seen_at": n.episode.last_seen_at,
                    "returned_at": n.episode.returned_at,
                    "indicators": sorted(i.value for i in n.episode.indicators),
                    "version_count": 1,
                    "updated_at": now,
                }
            )
            versions.append(
                {
                    "episode_id": episode_id,
                    "version": 1,
                    "sent_at": n.sent_at,
                    "received_at": now,
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
            for companion in n.episode.companions:
                for kind in ("local_child_id", "police_person_id"):
                    if value := getattr(companion, kind):
                        companions.append({"episode_id": episode_id, "kind": kind, "value": value})
        _chunked(session, EpisodeRecord, episodes)
        _chunked(session, NotificationVersion, versions)
        _chunked(
            session,
            EpisodeCompanion,
            list({(c["episode_id"], c["kind"], c["value"]): c for c in companions}.values()),
        )


def _chunked(session, table, rows: Iterable[dict], size: int = 20_000) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            session.execute(insert(table), batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)


if __name__ == "__main__":
    main()
