"""Benchmark: how fast the MASH worker's pages answer on the seed-7 city (`make bench`).

Loads a year of the synthetic city (seed 7, as `make run` does) into a fresh SQLite store,
signs a MASH worker in through the sign-in form, and times 10 loads each of the queue (one row
per child), the list of every notification, the newest notification of the child at the top of
the queue and that child's page, through the whole application
(middleware, sign-in check, audit, templates) in process. Prints the median and the slowest,
and writes var/bench/pages.json. Goal: each median under 150 ms.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from urllib.parse import quote

from fastapi.testclient import TestClient

from triage.accounts.roles import Role
from triage.accounts.service import create_user
from triage.decisions.revet import revet_due
from triage.http import create_app
from triage.intake import load_records
from triage.interviews.service import plan_pass
from triage.notification.reader import raw_from_text
from triage.settings import get_settings
from triage.store import create_database
from triage.synth import generate_city
from triage.vetting import create_vetter

OUT = Path("var/bench")
LOADS = 10
PASSWORD = "bench-worker-password-1"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "pages.db"
    path.unlink(missing_ok=True)
    # The service's own schedule is off while timing: the bench catches up by hand first (the
    # re-vets and the interview pass that follows them), so pages are timed in the steady state.
    settings = get_settings(database_url=f"sqlite:///{path}", secret_key="b" * 40, revet_seconds=0)
    database = create_database(settings)
    vetter = create_vetter(settings)
    city = generate_city(months=12, seed=7)
    records = [
        raw_from_text(json.dumps(record), source="seed-7", position=k)
        for k, record in enumerate(city.records)
    ]
    started = time.perf_counter()
    summary = load_records(database, records, vetter=vetter)
    print(f"loaded {summary.total:,} records in {time.perf_counter() - started:.1f} s")
    # Catch up on the re-vets time has made due (as `triage revet` would), so the pages are
    # timed in the steady state and not beside the service's first catching-up pass.
    now = datetime.now(UTC)
    started = time.perf_counter()
    caught_up = revet_due(
        database, vetter, vetter.rulebook.current.hour_thresholds, as_of=now, now=now
    )
    planned = plan_pass(database, vetter.rulebook.current, now=now)
    seconds = time.perf_counter() - started
    print(
        f"re-vetted {caught_up.decided} episodes that time had made due and planned "
        f"{planned.created} interviews in {seconds:.1f} s"
    )
    with database.transaction() as session:
        create_user(
            session,
            username="bench-worker",
            display_name="Bench Worker",
            role=Role.MASH_WORKER,
            password=PASSWORD,
            now=datetime.now(UTC),
        )
    app = create_app(settings, database=database, vetter=vetter)
    figures: dict[str, dict[str, float]] = {}
    with TestClient(app) as client:
        form = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "no CSRF token on the sign-in page"
        signed_in = client.post(
            "/sign-in",
            data={"username": "bench-worker", "password": PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        queue = client.get("/queue").text
        reference = re.search(r'href="/notifications/([^"]+)"', queue)
        assert reference, "the queue is empty"
        notification = client.get(f"/notifications/{reference[1]}").text
        child = re.search(r'href="(/children/\d+)"', notification)
        assert child, "the notification links to no child"
        for name, address in (
            ("queue", "/queue"),
            ("every notification", "/queue/notifications"),
            ("notification", f"/notifications/{quote(reference[1], safe='%')}"),
            ("child", child[1]),
        ):
            times = []
            for _ in range(LOADS):
                began = time.perf_counter()
                response = client.get(address)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (address, response.status_code)
            figures[name] = {"median_ms": median(times), "slowest_ms": max(times)}
            print(
                f"{name:>18}: median {median(times):6.1f} ms, slowest {max(times):6.1f} ms"
                f" over {LOADS} loads"
            )
    (OUT / "pages.json").write_text(json.dumps(figures, indent=2))
    database.dispose()


if __name__ == "__main__":
    main()
