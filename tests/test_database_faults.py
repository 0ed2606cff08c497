"""A database that is down or frozen: 503 problems within 2 seconds, and recovery on its own.

These tests run a PostgreSQL cluster of their own on another port, which they stop and freeze
(SIGSTOP on every one of its processes); the shared server is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from conftest import FrozenClock
from factories import notification
from triage.settings import Settings, get_settings

pytestmark = pytest.mark.postgres

BIN = Path("/usr/lib/postgresql/15/bin")
H = dict[str, dict[str, str]]


class Cluster:
    """A throw-away PostgreSQL cluster on a free port, run as the `postgres` user if we are root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="triage-pg-"))
        self.data = self.dir / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def _run(self, *command: object) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            BIN / "pg_ctl", "-D", self.data, "-o", options, "-w", "-l", self.dir / "log", "start"
        )

    def stop(self) -> None:
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def signal(self, sig: signal.Signals) -> None:
        for pid in self.processes():
            os.kill(pid, sig)

    def drop(self) -> None:
        try:
            self.signal(signal.SIGCONT)
            self.stop()
        except (OSError, subprocess.CalledProcessError, ValueError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the database fault tests: no initdb in {BIN}")
        pytest.skip(f"no PostgreSQL binaries in {BIN}")
    own = Cluster()
    try:
        yield own
    finally:
        own.drop()


@pytest.fixture
def settings(cluster: Cluster) -> Settings:
    """The test database: a fresh database in the cluster of our own (overrides conftest's)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return get_settings(database_url=cluster.url(name))


def timed(call: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def until(check: Callable[[], bool], seconds: float = 15) -> float:
    """Seconds until `check()` holds (fails the test past `seconds`)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "did not recover in time"
        time.sleep(0.2)
    return time.monotonic() - started


def assert_unavailable(response: object) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert response.json()["type"].endswith("/database-unavailable")  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == "2"  # type: ignore[attr-defined]


def test_a_frozen_database_answers_503_within_2_seconds_and_recovers_by_itself(
    cluster: Cluster, client: TestClient, headers: H
) -> None:
    worker = headers["mash_worker"]
    assert client.get("/api/v1/queue", headers=worker).status_code == 200
    cluster.signal(signal.SIGSTOP)
    try:
        for _ in range(4):
            response, seconds = timed(lambda: client.get("/api/v1/queue", headers=worker))
            assert_unavailable(response)
            assert seconds < 2.0, f"took {seconds:.2f} s"
        health, seconds = timed(lambda: client.get("/api/v1/health"))
        assert seconds < 2.0
        assert health.status_code == 503  # type: ignore[attr-defined]
        body = health.json()  # type: ignore[attr-defined]
        assert body["status"] == "unavailable"
        assert body["dependencies"]["database"].startswith("not answering")
        page, seconds = timed(lambda: client.get("/queue", headers=worker))
        assert page.status_code == 503 and seconds < 2.0  # type: ignore[attr-defined]
    finally:
        cluster.signal(signal.SIGCONT)
    until(lambda: client.get("/api/v1/queue", headers=worker).status_code == 200)
    assert client.get("/api/v1/health").json()["dependencies"] == {"database": "ok"}


def test_a_database_that_is_down_answers_503_at_once_and_nothing_sent_is_lost(
    cluster: Cluster, client: TestClient, headers: H, clock: FrozenClock
) -> None:
    police = headers["police_feed"]
    sent = notification(police_reference="WMP-DOWN-1")
    cluster.stop()
    try:
        response, seconds = timed(
            lambda: client.post("/api/v1/notifications", json=sent, headers=police)
        )
        assert_unavailable(response)
        assert seconds < 2.0
        assert client.get("/api/v1/health").status_code == 503
    finally:
        cluster.start()
    # The feed sends it again once the service answers: stored once, vetted once.
    until(lambda: client.get("/api/v1/health").status_code == 200)
    stored = client.post("/api/v1/notifications", json=sent, headers=police)
    assert stored.status_code == 201, stored.text
    again = client.post("/api/v1/notifications", json=sent, headers=police)
    assert again.json()["outcome"] == "unchanged"


class _Connection:
    """What the watchdog reads of a psycopg connection: its socket."""

    def __init__(self, fd: int) -> None:
        self.pgconn = type("PGconn", (), {"socket": fd})()


def _hold_the_interpreter(seconds: float) -> None:
    """Keep every other thread from running, as a long garbage collection does: one C call
    (builtin sum over a range) that never lets go of the interpreter lock."""
    n = 1_000_000
    started = time.monotonic()
    sum(range(n))
    per = (time.monotonic() - started) / n
    sum(range(int(seconds / max(per, 1e-10))))


def test_the_watchdog_does_not_cut_a_connection_because_this_process_stood_still() -> None:
    from triage.store.guard import Watchdog

    watchdog = Watchdog()
    ours, server = socket.socketpair()
    try:
        connection = _Connection(ours.fileno())
        watchdog.arm(connection, 0.05)
        _hold_the_interpreter(0.6)  # past the deadline, but the server was never the late one
        assert watchdog.disarm(connection) is False
        ours.sendall(b"still open")
        assert server.recv(16) == b"still open"

        # A server that truly does not answer is still cut, once the process runs again.
        watchdog.arm(connection, 0.05)
        time.sleep(0.6)
        assert watchdog.disarm(connection) is True
    finally:
        ours.close()
        server.close()
