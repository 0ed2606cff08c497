"""The live rules folder on disk: its versioned files read as data, a new version written beside
it, and the two swapped in one step.

A version's files are those its hash covers (`triage.rules.catalogue.ruleset_version`: every
`.yaml`, `.yml` and `.csv` under the folder), kept as UTF-8 text. A new version is written to a
sibling folder, flushed to disk and checked against the hash it must have; only then is it
swapped for the live folder: with Linux's `renameat2(RENAME_EXCHANGE)` the live path never
stops naming a whole folder; elsewhere two renames leave, at worst, no live folder for an
instant (a service keeps its last good ruleset), never a half-written one. The folder replaced
is kept beside it, renamed, for a rollback by hand.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triage.errors import PromotionRefused
from triage.rules.catalogue import ruleset_version

VERSIONED = frozenset({".yaml", ".yml", ".csv"})
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def read_files(directory: Path, field: str) -> dict[str, str]:
    """The versioned files under `directory` by their path inside it (POSIX), as text; refused
    naming `field` when the folder is missing or a file is not UTF-8 text."""
    if not directory.is_dir():
        raise PromotionRefused(field, f"{directory} is not a folder")
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in VERSIONED):
        name = path.relative_to(directory).as_posix()
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PromotionRefused(field, f"{name} cannot be kept as text: {error}") from None
        if "\0" in text:
            raise PromotionRefused(field, f"{name} holds a NUL character")
        files[name] = text
    if not files:
        raise PromotionRefused(field, f"{directory} holds no rule files")
    return files


def stage(live: Path, files: dict[str, str], version: str, now: datetime) -> Path:
    """`files` written to a new folder beside `live`, on disk, checked to be `version`."""
    staging = live.parent / f".{live.name}.incoming-{_stamp(now)}-{version[:12]}"
    if staging.exists():
        shutil.rmtree(staging)
    for name, text in files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
    for folder in sorted({p.parent for p in staging.rglob("*")} | {staging}, reverse=True):
        _fsync_dir(folder)
    written = ruleset_version(staging)
    if written != version:
        shutil.rmtree(staging)
        raise PromotionRefused("rules_dir", f"the files written are {written[:12]}, not {version}")
    return staging


def discard(staging: Path) -> None:
    """A staged folder that will not go live, removed."""
    shutil.rmtree(staging, ignore_errors=True)


@dataclass(frozen=True)
class Swap:
    """A staged folder made live; `kept` is where the folder it replaced now is."""

    live: Path
    kept: Path

    def undo(self) -> None:
        """Put the replaced folder back (the transaction that recorded the swap failed)."""
        if not self.kept.is_dir():
            return
        undone = self.live.parent / f".{self.live.name}.undone-{self.kept.name}"
        _swap(self.kept, self.live, aside=undone)
        discard(undone)


def swap_in(staging: Path, live: Path, *, replaced: str, now: datetime) -> Swap:
    """Make `staging` the live folder; keep the folder it replaces (version `replaced`) as
    `<live>.replaced-<time>-<version>` beside it."""
    kept = live.parent / f"{live.name}.replaced-{_stamp(now)}-{replaced[:12]}"
    n = 1
    while kept.exists():
        n += 1
        kept = kept.with_name(f"{live.name}.replaced-{_stamp(now)}-{replaced[:12]}-{n}")
    _swap(staging, live, aside=kept)
    _fsync_dir(live.parent)
    return Swap(live, kept)


def _swap(new: Path, live: Path, *, aside: Path) -> None:
    """`new` becomes `live`; what `live` was ends at `aside`."""
    if not live.exists():
        os.rename(new, live)
        return
    if _exchange(new, live):
        os.rename(new, aside)  # `new` now names the folder that was live
        return
    os.rename(live, aside)
    os.rename(new, live)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this filesystem cannot exchange
        return False
    raise OSError(error, os.strerror(error), str(b))


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")
