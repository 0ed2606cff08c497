"""Reading notifications from JSON lines and CSV, one record at a time, with clear errors.

Both formats become the same nested dict and are validated by the same pydantic models. CSV
columns are the dotted paths of the fields (`child.date_of_birth`); list fields are written as
`a;b` (indicators) or as a JSON array (companions). Files are streamed, so any size loads in
constant memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from triage.errors import FieldError, NotificationRejected
from triage.notification.models import Child, Episode, Notification

RECORD = "(record)"

CSV_COLUMNS: list[str] = [
    *(name for name in Notification.model_fields if name not in {"child", "episode"}),
    *(f"child.{name}" for name in Child.model_fields),
    *(f"episode.{name}" for name in Episode.model_fields),
]
_LIST_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as it arrived: where from, its raw text, and its payload if it could be read."""

    source: str
    position: int
    raw: str
    payload: dict[str, Any] | None
    read_error: FieldError | None = None
    size: int = 0


def raw_from_text(text: str, *, source: str, position: int = 1, size: int = 0) -> RawRecord:
    """One JSON record as it arrived (a line, a request body, a fixed file), read if it can be."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge numbers, deep nests
        return RawRecord(
            source, position, text, None, FieldError(RECORD, unreadable_json(exc)), size
        )
    if not isinstance(payload, dict):
        error = FieldError(RECORD, "a notification must be a JSON object")
        return RawRecord(source, position, text, None, error, size)
    return RawRecord(source, position, text, payload, None, size)


def unreadable_json(exc: Exception) -> str:
    """Why a text is not a JSON record, in words that hold none of its content."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "not readable: JSON nested too deeply"
    return "not readable: a number in it is too long"


def parse_notification(payload: Any) -> Notification:
    """Validate one payload against the contract, or raise NotificationRejected naming fields."""
    if not isinstance(payload, dict):
        raise NotificationRejected([FieldError(RECORD, "a notification must be a JSON object")])
    try:
        return Notification.model_validate(payload)
    except ValidationError as exc:
        raise NotificationRejected(field_errors(exc)) from None


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Turn pydantic's errors into one FieldError per problem, in words a person can act on."""
    out = []
    for err in exc.errors(include_url=False):
        path = _dotted(err["loc"]) or RECORD
        kind = err["type"]
        if kind == "missing":
            problem = "required field is missing"
        elif kind == "extra_forbidden":
            problem = "unknown field: not part of the notification contract"
        elif kind == "string_pattern_mismatch":
            problem = (
                f"not a valid identifier: {err['input']!r} (letters, digits and / . - _ only, "
                "starting with a letter or digit)"
            )
        else:
            problem = err["msg"]
            if problem.startswith("Value error, "):
                problem = problem.removeprefix("Value error, ")
        out.append(FieldError(path, problem))
    return out


def _dotted(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_records(path: Path) -> Iterator[RawRecord]:
    """Stream the records of a JSON lines (`.jsonl`, `.json`) or CSV (`.csv`) file."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            yield from _read_csv(handle, path.name)
        else:
            yield from _read_jsonl(handle, path.name)


def _read_jsonl(handle: TextIO, source: str) -> Iterator[RawRecord]:
    for number, line in enumerate(handle, start=1):
        size = len(line.encode("utf-8"))
        text = line.strip()
        if not text:
            continue
        yield raw_from_text(text, source=source, position=number, size=size)


class _ByteCounter:
    """Wraps a text stream's lines, counting the bytes read so far (for progress bars)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.bytes += len(line.encode("utf-8"))
            yield line


def _read_csv(handle: TextIO, source: str) -> Iterator[RawRecord]:
    counter = _ByteCounter(handle)
    reader = csv.DictReader(counter)
    seen = 0
    for row in reader:
        size, seen = counter.bytes - seen, counter.bytes
        raw = json.dumps(row, ensure_ascii=False)
        if None in row:
            error = FieldError(RECORD, "the row has more cells than the header has columns")
            yield RawRecord(source, reader.line_num, raw, None, error, size)
            continue
        try:
            payload = from_csv_row(row)
        except NotificationRejected as exc:
            yield RawRecord(source, reader.line_num, raw, None, exc.errors[0], size)
            continue
        yield RawRecord(source, reader.line_num, raw, payload, None, size)


def from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    """Nest a CSV row by its dotted column names; empty cells are absent fields."""
    nested: dict[str, Any] = {}
    for column, cell in row.items():
        value = (cell or "").strip()
        if not value:
            continue
        if column == "episode.indicators":
            parsed: Any = [v.strip() for v in value.split(_LIST_SEPARATOR) if v.strip()]
        elif column == "episode.companions":
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                raise NotificationRejected(
                    [
                        FieldError(
                            column,
                            'not a JSON array of companions, e.g. [{"police_person_id": "P1"}]',
                        )
                    ]
                ) from None
        else:
            parsed = value
        target = nested
        *parents, leaf = column.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = parsed
    return nested


def to_csv_row(notification: Notification) -> dict[str, str]:
    """Flatten a notification into CSV cells (the inverse of `from_csv_row`)."""
    return csv_row(notification.model_dump(mode="json"))


def csv_row(payload: dict[str, Any]) -> dict[str, str]:
    """Flatten a payload into CSV cells. Works on broken payloads too: a missing field is an
    empty cell and a wrong value is written as it is, so the CSV breaks where the JSON does."""
    row: dict[str, str] = {}
    for column in CSV_COLUMNS:
        value: Any = payload
        for part in column.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if column == "episode.indicators" and isinstance(value, list):
            row[column] = _LIST_SEPARATOR.join(str(v) for v in value)
        elif column == "episode.companions" and isinstance(value, list):
            row[column] = json.dumps(value, separators=(",", ":")) if value else ""
        else:
            row[column] = "" if value is None else str(value)
    return row


def canonical_json(notification: Notification) -> str:
    """The one text form of a notification: stable key order, UTC times (hashed for idempotency)."""
    return json.dumps(notification.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
