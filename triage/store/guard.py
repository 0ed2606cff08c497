"""Answering quickly when PostgreSQL is down or frozen, and recovering by itself when it returns.

A database that refuses connections fails fast on its own. One that is frozen (a stopped
process, a partitioned network) accepts bytes and never answers: libpq has a connect timeout
but no read timeout, so a statement on an open connection waits for ever, and so would every
request behind it. Three things bound that wait:

- a watchdog: each statement (and the ping on taking a connection from the pool) is given a
  deadline; past it, the connection's socket is shut, so the waiting call fails at once with
  a disconnection (the transaction is rolled back; the pool discards the connection);
- the server's own `statement_timeout` and `lock_timeout`, so a slow query or a held lock is
  cancelled cleanly before the watchdog has to act;
- availability: once the database has been found not answering, requests are refused at once
  (503) rather than each waiting its own timeout, while one background probe reconnects every
  second and lifts the refusal as soon as the database answers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import URL, Engine, event, text
from sqlalchemy.exc import DisconnectionError

from triage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

PING_SECONDS = 0.5
PROBE_EVERY_SECONDS = 1.0
# A watchdog that wakes this much later than it asked was itself held up (a long garbage
# collection, a C call holding the interpreter, a starved CPU); so, likely, was every thread
# whose answer may be waiting unread. It gives them this long again rather than cut them.
STALLED_SECONDS = 0.1
GRACE_SECONDS = 0.25


class Watchdog:
    """Shuts the socket of any connection still waiting on the server past its deadline."""

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, int]] = {}  # id(connection) -> (deadline, socket)
        self._cut: set[int] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, connection: Any, seconds: float) -> None:
        fd = _socket_of(connection)
        if fd is None:
            return
        with self._wake:
            self._armed[id(connection)] = (time.monotonic() + seconds, fd)
            self._cut.discard(id(connection))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()

    def disarm(self, connection: Any) -> bool:
        """Stop watching; True if the watchdog had cut this connection."""
        with self._wake:
            self._armed.pop(id(connection), None)
            return id(connection) in self._cut

    def _watch(self) -> None:
        due: float | None = None  # when the watchdog last asked to be woken
        while True:
            with self._wake:
                now = time.monotonic()
                stalled = due is not None and now - due > STALLED_SECONDS
                late = [key for key, (deadline, _fd) in self._armed.items() if deadline <= now]
                for key in late:
                    _deadline, fd = self._armed[key]
                    if stalled:  # the process stood still, not necessarily the server
                        self._armed[key] = (now + GRACE_SECONDS, fd)
                        continue
                    del self._armed[key]
                    self._cut.add(key)
                    _shut(fd)
                waits = [deadline - now for deadline, _fd in self._armed.values()]
                due = now + min(waits) if waits else None
                self._wake.wait(timeout=min(waits) if waits else None)


class DatabaseGuard:
    """The watchdog, the server-side timeouts and the availability of one engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        statement_seconds: float,
        ping_seconds: float = PING_SECONDS,
        probe_every: float = PROBE_EVERY_SECONDS,
    ) -> None:
        self.engine, self.statement_seconds = engine, statement_seconds
        self.ping_seconds, self.probe_every = ping_seconds, probe_every
        self.watchdog = Watchdog()
        self.down_since: datetime | None = None
        self._probing = threading.Lock()
        event.listen(engine, "checkout", self._ping)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._failed)

    @staticmethod
    def connect_args(url: URL, statement_seconds: float) -> dict[str, Any]:
        """What each new connection is opened with: a bounded connect, server-side timeouts
        (added to any `options` the URL already gives, such as a search path)."""
        ms = int(statement_seconds * 1000)
        given = url.query.get("options", "")
        given = given if isinstance(given, str) else " ".join(given)
        return {
            "connect_timeout": 2,  # libpq's least
            "options": f"{given} -c statement_timeout={ms} -c lock_timeout={ms}".strip(),
        }

    def check(self) -> None:
        """Refuse at once while the database is known not to answer."""
        if self.down_since is not None:
            raise DatabaseUnavailable(self.down_since)

    @property
    def status(self) -> str:
        if self.down_since is None:
            return "ok"
        return f"not answering since {self.down_since:%Y-%m-%dT%H:%M:%SZ}"

    def mark_down(self, why: str) -> None:
        if self.down_since is None:
            self.down_since = datetime.now(UTC)
            log.error("the database is not answering (%s): refusing requests until it does", why)
        if self._probing.acquire(blocking=False):
            threading.Thread(target=self._probe, name="db-probe", daemon=True).start()

    def _probe(self) -> None:
        try:
            while self.down_since is not None:
                time.sleep(self.probe_every)
                try:
                    with self.engine.connect() as connection:
                        connection.execute(text("SELECT 1"))
                except Exception:
                    continue
                self.down_since = None
                log.warning("the database answers again")
        finally:
            self._probing.release()

    # Engine and pool events.

    def _ping(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self.watchdog.arm(dbapi_connection, self.ping_seconds)
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            if self.watchdog.disarm(dbapi_connection):
                self.mark_down(f"no answer to a ping within {self.ping_seconds} s")
                raise DatabaseUnavailable(self.down_since) from exc
            # A connection the server closed (a restart): the pool tries a fresh one.
            raise DisconnectionError("the pooled connection was closed") from exc
        self.watchdog.disarm(dbapi_connection)

    def _before(self, connection: Any, *_args: Any) -> None:
        self.watchdog.arm(connection.connection.dbapi_connection, self.statement_seconds + 0.5)

    def _after(self, connection: Any, *_args: Any) -> None:
        self.watchdog.disarm(connection.connection.dbapi_connection)

    def _failed(self, context: Any) -> None:
        dbapi = context.connection.connection.dbapi_connection if context.connection else None
        cut = self.watchdog.disarm(dbapi) if dbapi is not None else False
        # Cut by the watchdog, or no connection at all (refused, timed out): not answering.
        # A cancelled statement or a broken constraint is the server answering: not down.
        if cut:
            self.mark_down(f"no answer to a statement within {self.statement_seconds + 0.5} s")
        elif context.connection is None:
            self.mark_down(f"could not connect ({type(context.original_exception).__name__})")


def _socket_of(connection: Any) -> int | None:
    pgconn = getattr(connection, "pgconn", None)
    try:
        return int(pgconn.socket) if pgconn is not None else None
    except Exception:  # a connection already closed has no socket
        return None


def _shut(fd: int) -> None:
    with contextlib.suppress(OSError):
        duplicate = socket.socket(fileno=os.dup(fd))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()
