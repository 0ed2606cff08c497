"""Benchmark: HTTP intake with 8 police feeds, and `triage load` of a 100,000-record file.

Prints, and writes to var/bench/intake.json:
- HTTP intake: the same synthetic notifications sent by 8 concurrent feeds (one process each,
  keep-alive connections, the same client code) to a bare FastAPI endpoint that only validates
  them (`bench/bare.py`), then to the real service (`triage serve`: stores, matches, vets,
  receipts, audits) on SQLite and on PostgreSQL: requests a second, p50 and p99 latency, and the
  service's rate as a ratio of the bare endpoint's. Goal: at least 0.25, p99 under 250 ms.
- `triage load` of a 100,000-record synthetic file into an empty PostgreSQL database: records a
  second (goal: at least 1,000), and the same into SQLite.
- the machine's load average at the start and the end.

Run with `make bench`. PostgreSQL is the server at TRIAGE_BENCH_POSTGRES (default the local
one); the benchmark makes and drops its own databases there.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

from sqlalchemy import create_engine, text

from triage.accounts.roles import Role
from triage.accounts.service import create_user
from triage.settings import get_settings
from triage.store import create_database
from triage.synth import generate_city

OUT = Path("var/bench")
FEEDS = 8
REQUESTS = 4_000
LOAD_RECORDS = 100_000
SERVER = os.environ.get("TRIAGE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "bench-feed-password-1"
BIN = Path(sys.executable).parent


def main(parts: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"load_average_start": os.getloadavg()}
    if "http" in parts:
        figures.update(_http())
    if "load" in parts:
        figures.update(_load())
    figures["load_average_end"] = os.getloadavg()
    print(
        f"load average (1, 5, 15 min): start {figures['load_average_start']}, "
        f"end {figures['load_average_end']}"
    )
    (OUT / "intake.json").write_text(json.dumps(figures, indent=2))


def _http() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    payloads = _payloads(REQUESTS)
    print(f"HTTP intake: {len(payloads):,} notifications from a synthetic city, {FEEDS} feeds")

    bare = _serve_and_send([str(BIN / "uvicorn"), "bench.bare:app"], {}, payloads, token=None)
    print(_line("bare FastAPI endpoint", bare))
    figures["bare"] = bare
    sqlite = OUT / "intake.db"
    for name, url in (
        ("SQLite", f"sqlite:///{sqlite}"),
        ("PostgreSQL", f"{SERVER}/triage_bench_intake"),
    ):
        with _fresh(url) as database_url:
            env = {"TRIAGE_DATABASE_URL": database_url}
            _add_feed(database_url)
            result = _serve_and_send([str(BIN / "triage"), "serve"], env, payloads, token=True)
        result["ratio_to_bare"] = result["rate"] / bare["rate"]
        print(_line(f"service on {name}", result) + f"  ratio {result['ratio_to_bare']:.2f}")
        figures[f"service_{name.lower()}"] = result
    return figures


def _load() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    path = OUT / "load-city" / "notifications.jsonl"
    _load_file(path)
    for name, url in (
        ("PostgreSQL", f"{SERVER}/triage_bench_load"),
        ("SQLite", f"sqlite:///{OUT / 'load.db'}"),
    ):
        with _fresh(url) as database_url:
            started = time.perf_counter()
            subprocess.run(
                [str(BIN / "triage"), "load", str(path)],
                env={**os.environ, "TRIAGE_DATABASE_URL": database_url},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - started
        rate = LOAD_RECORDS / seconds
        print(f"triage load on {name}: {LOAD_RECORDS:,} records in {seconds:.1f} s, {rate:,.0f}/s")
        figures[f"load_{name.lower()}"] = {
            "records": LOAD_RECORDS,
            "seconds": seconds,
            "rate": rate,
        }
    return figures


def _payloads(count: int) -> list[bytes]:
    """The city's records in the order police sent them: new episodes, later versions,
    resubmissions and the odd broken record, as a feed would send them."""
    city = generate_city(months=24, scale=1.0, seed=21)
    return [json.dumps(record).encode() for record in city.records[:count]]


def _load_file(path: Path) -> None:
    if path.exists() and sum(1 for _ in path.open()) == LOAD_RECORDS:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    city = generate_city(months=60, scale=6.8, seed=5)  # a little over 100,000 records
    with path.open("w") as handle:
        for record in city.records[:LOAD_RECORDS]:
            handle.write(json.dumps(record) + "\n")


@contextmanager
def _fresh(url: str) -> Iterator[str]:
    """An empty database at `url`, at the newest schema; dropped afterwards (PostgreSQL)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        create_database(get_settings(database_url=url)).migrate()
        yield url
        return
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        database = create_database(get_settings(database_url=url))
        database.migrate()
        database.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _add_feed(database_url: str) -> None:
    database = create_database(get_settings(database_url=database_url))
    now = datetime.now(UTC)
    with database.transaction() as session:
        for k in range(FEEDS):
            create_user(
                session,
                username=f"bench-feed-{k}",
                display_name=f"Bench feed {k}",
                role=Role.POLICE_FEED,
                password=PASSWORD,
                now=now,
            )
    database.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_and_send(
    command: list[str], env: dict[str, str], payloads: list[bytes], *, token: bool | None
) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, "TRIAGE_ENVIRONMENT": "development", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port)
        tokens = [_token(port, k) if token else None for k in range(FEEDS)]
        shares = [payloads[k::FEEDS] for k in range(FEEDS)]
        with multiprocessing.get_context("spawn").Pool(FEEDS) as pool:
            # Each spawned feed imports this module (and with it the service's packages) before
            # it sends anything: a second or more. Warm every feed first, and time from the
            # feeds' own clocks (first request sent to last answer), so start-up is not counted
            # against either side: it weighed on the short bare run far more than the service's.
            pool.map(_ready, range(FEEDS), chunksize=1)
            results = pool.starmap(_feed, [(port, tokens[k], shares[k]) for k in range(FEEDS)])
    finally:
        server.terminate()
        server.wait(timeout=30)
    seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    statuses: dict[str, int] = {}
    for result in results:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    cuts = quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rate": len(latencies) / seconds,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "statuses": statuses,
    }


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 180  # a start on a busy machine can take a minute
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start")


def _token(port: int, k: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    form = urllib.parse.urlencode({"username": f"bench-feed-{k}", "password": PASSWORD})
    connection.request(
        "POST", "/api/v1/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"sign-in for the bench feed failed: {response.status} {body}")
    return str(body["access_token"])


def _ready(k: int) -> int:
    """Nothing: makes a pool's feed process start (and import) before the clock does."""
    time.sleep(0.2)  # holds this process so that every feed of the pool gets one
    return k


def _feed(port: int, token: str | None, payloads: list[bytes]) -> dict[str, Any]:
    """One police feed: its notifications one after another on one keep-alive connection.
    `started` and `ended` are on the machine's monotonic clock, shared by all processes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    began = time.monotonic()
    for payload in payloads:
        started = time.perf_counter()
        connection.request("POST", "/api/v1/notifications", payload, headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
    ended = time.monotonic()
    connection.close()
    return {"latencies": latencies, "statuses": statuses, "started": began, "ended": ended}


def _line(name: str, result: dict[str, Any]) -> str:
    return (
        f"{name:>26}: {result['rate']:7.1f} requests/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  {result['statuses']}"
    )


if __name__ == "__main__":
    main(sys.argv[1:] or ["http", "load"])
