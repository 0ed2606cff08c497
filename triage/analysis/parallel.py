"""Running a back-test's chunks on other processes: a local pool of worker processes
(`run_local`) or a Dask cluster (`run_dask`), each worker process with its own rules engine.

The rules engine is stateless per evaluation and one per process (shared/notes/durable-rules.md),
so a worker builds its engine, its store connection and both sides' vetters once, from a `Job`,
and then decides chunk after chunk. A job carries each side's rules as the folder's files (a
Dask worker on another machine need not see the folder), the model, and the store's URL; never
the service's secret key: chunks come back with store ids, and pseudonyms are given by the
process that asked. Worker processes are spawned, not forked: the engine's thread and the C
core's state do not survive a fork.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.analysis.chunks import Scope, tally_chunk
from triage.analysis.replay import Children
from triage.analysis.tally import Labels, Tally
from triage.errors import ConfigurationError, RuleFileError
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.settings import get_settings
from triage.store import create_database
from triage.vetting.service import Vetter

if TYPE_CHECKING:
    from triage.scoring.model import ScoredModel


@dataclass(frozen=True)
class Side:
    """One side of a back-test as a worker rebuilds it: the rules folder's files, the ruleset
    version they must load as, and the model (if any)."""

    files: tuple[tuple[str, bytes], ...]
    version: str
    model: ScoredModel | None

    @classmethod
    def of(cls, vetter: Vetter) -> Side:
        folder = vetter.rulebook.directory
        files = tuple(
            (path.relative_to(folder).as_posix(), path.read_bytes())
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        )
        return cls(files, vetter.ruleset_version, vetter.model)

    def vetter(self, engine: RuleEngine, home_authority: str) -> Vetter:
        digest = hashlib.sha256(repr(self.files).encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / f"triage-backtest-rules-{digest}"
        for name, content in self.files:
            path = folder / name
            if not path.exists() or path.read_bytes() != content:
                path.parent.mkdir(parents=True, exist_ok=True)
                written = path.with_name(f".{path.name}.{os.getpid()}")
                written.write_bytes(content)
                written.replace(path)  # whole, even with other workers writing the same file
        vetter = Vetter(Rulebook(engine, folder), home_authority=home_authority, model=self.model)
        if vetter.ruleset_version != self.version:
            raise RuleFileError(
                folder,
                None,
                f"a worker loaded ruleset {vetter.ruleset_version[:12]}, not {self.version[:12]}",
            )
        return vetter


@dataclass(frozen=True)
class Job:
    """Everything every chunk of one back-test needs, but the chunk itself and the outcomes."""

    database_url: str
    home_authority: str
    live: Side
    candidate: Side
    scope: Scope

    @property
    def key(self) -> tuple[str, ...]:
        """What a worker's engine, store and vetters depend on."""
        return (
            self.database_url,
            self.home_authority,
            *(side.version for side in (self.live, self.candidate)),
            *(side.model.version if side.model else "" for side in (self.live, self.candidate)),
        )


class _Worker:
    """A process's engine, store and vetters for one job (built on its first chunk)."""

    def __init__(self, job: Job) -> None:
        self.engine = RuleEngine()
        self.database = create_database(get_settings(database_url=job.database_url), migrate=False)
        self.live = job.live.vetter(self.engine, job.home_authority)
        self.candidate = job.candidate.vetter(self.engine, job.home_authority)

    def close(self) -> None:
        self.database.dispose()
        self.engine.close()

    def tally(self, job: Job, children: Children, labels: Labels | None) -> Tally:
        with self.database.reading() as session:
            return tally_chunk(session, children, self.live, self.candidate, job.scope, labels)


_WORKERS: dict[tuple[str, ...], _Worker] = {}
_LOCK = threading.Lock()  # a Dask worker runs tasks on several threads
_POOL_JOB: list[tuple[Job, Labels | None]] = []  # a pool process's job, set when it starts


def _worker(job: Job) -> _Worker:
    with _LOCK:
        if job.key not in _WORKERS:
            for old in _WORKERS.values():  # one job at a time: drop an earlier job's worker
                old.close()
            _WORKERS.clear()
            _WORKERS[job.key] = _Worker(job)
        return _WORKERS[job.key]


def release() -> None:
    """Close this process's worker, if it has one."""
    with _LOCK:
        for old in _WORKERS.values():
            old.close()
        _WORKERS.clear()


def run_chunk(job: Job, children: Children, labels: Labels | None) -> Tally:
    """One chunk, on whatever process this runs in (its worker built on first use)."""
    return _worker(job).tally(job, children, labels)


def _start(job: Job, labels: Labels | None) -> None:
    _POOL_JOB[:] = [(job, labels)]
    _worker(job)  # every pool process builds its engine and vetters at once, side by side
    # What lives as long as the process (modules, rulesets, the outcomes) is kept out of the
    # cyclic collector's passes, which then walk only what a chunk makes (as the batch path).
    gc.freeze()


def _pooled(children: Children) -> Tally:
    job, labels = _POOL_JOB[0]
    return run_chunk(job, children, labels)


def run_local(
    job: Job, chunks: Sequence[Children], labels: Labels | None, *, workers: int
) -> Iterator[Tally]:
    """Each chunk's tally, in the chunks' order, from `workers` spawned processes."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(job, labels)
    ) as pool:
        yield from pool.map(_pooled, chunks)


def run_dask(
    job: Job, chunks: Sequence[Children], labels: Labels | None, *, scheduler: Any
) -> Iterator[Tally]:
    """Each chunk's tally, in the chunks' order, from a Dask cluster: `scheduler` is its
    address (tcp://host:8786) or a `distributed.Client`. The job and the outcomes go to every
    worker once; each task is a range of child ids."""
    from dask.distributed import Client

    try:
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout=15)
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigurationError(
            f"scheduler {scheduler}: no Dask scheduler answered ({error})"
        ) from None
    try:
        shared_job, shared_labels = client.scatter([job, labels], broadcast=True)
        futures = client.map(
            run_chunk, [shared_job] * len(chunks), chunks, [shared_labels] * len(chunks), pure=False
        )
        for future in futures:
            yield future.result()
            future.release()
    finally:
        client.run(release)  # no worker holds a store connection or an engine between jobs
        if client is not scheduler:
            client.close()


Runner = Callable[[Job, Sequence[Children], Labels | None], Iterator[Tally]]
