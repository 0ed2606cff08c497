"""What changed between two versions' files, file by file, as a unified diff (difflib)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Line:
    kind: str  # "add", "remove", "same" or "hunk" (an @@ line saying where)
    text: str


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # ADDED, REMOVED or CHANGED
    lines: tuple[Line, ...]

    @property
    def added(self) -> int:
        return sum(line.kind == "add" for line in self.lines)

    @property
    def removed(self) -> int:
        return sum(line.kind == "remove" for line in self.lines)


def changes(old: dict[str, str], new: dict[str, str], context: int = 2) -> list[FileChange]:
    """Every file added, removed or changed from `old` to `new` (files by path), by path."""
    found = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status = ADDED if before is None else REMOVED if after is None else CHANGED
        diff = difflib.unified_diff(
            (before or "").splitlines(), (after or "").splitlines(), lineterm="", n=context
        )
        lines = tuple(_line(text) for text in list(diff)[2:])  # past the ---/+++ header
        found.append(FileChange(path, status, lines))
    return found


def _line(text: str) -> Line:
    if text.startswith("@@"):
        return Line("hunk", text)
    kind = {"+": "add", "-": "remove"}.get(text[:1], "same")
    return Line(kind, text)
