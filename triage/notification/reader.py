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
from typing import Any, BinaryIO, TextIO

from pydantic import ValidationError

from triage.errors import FieldError, NotificationRejected
from triage.notification.fields import control_problem
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


def text_of(data: bytes) -> tuple[str, FieldError | None]:
    """Bytes as text: UTF-8, or (if they are not) the text with each bad byte shown as `\\xNN`
    for a person to fix, and the error naming where the first bad byte is. Never replaced
    silently: a Latin-1 "Zoë" is refused, not stored as "Zo\ufffd"."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        problem = f"not valid UTF-8: byte 0x{bad:02x} at byte {exc.start + 1}; send UTF-8 text"
        return data.decode("utf-8", errors="backslashreplace"), FieldError(RECORD, problem)


def raw_from_bytes(data: bytes, *, source: str, position: int = 1) -> RawRecord:
    """One JSON record as bytes arrived (a request body, a line of a file), read if it can be."""
    text, error = text_of(data)
    if error is not None:
        return RawRecord(source, position, text, None, error, len(data))
    return raw_from_text(text, source=source, position=position, size=len(data))


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


def array_elements(text: str) -> list[str] | None:
    """The texts of a JSON array's elements, found without parsing them (None if the text is not
    one array), so each element of a batch is judged on its own: one that nests too deeply or
    breaks JSON is refused alone, and the others are taken."""
    body = text.strip()
    if not body.startswith("[") or not body.endswith("]"):
        return None
    elements, depth, start, in_string, escaped = [], 0, 1, False, False
    for k, char in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string, escaped = True, False
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0 and k != len(body) - 1:
                return None  # something after the array's end
        elif char == "," and depth == 1:
            elements.append(body[start:k])
            start = k + 1
    if depth != 0 or in_string:
        return None
    last = body[start:-1]
    if last.strip() or elements:
        elements.append(last)
    return [e.strip() for e in elements]


def unreadable_json(exc: Exception) -> str:
    """Why a text is not a JSON record, in words that hold none of its content."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "not readable: JSON nested too deeply"
    return "not readable: a number in it is too long"


def control_characters(value: Any, path: str = "") -> list[FieldError]:
    """Every text in a payload holding a NUL or another control character (tab, line feed and
    carriage return are allowed): no store takes a NUL, and none belongs in a record."""
    if isinstance(value, str):
        problem = control_problem(value)
        return [] if problem is None else [FieldError(path or RECORD, problem)]
    if isinstance(value, dict):
        return [
            e
            for key, item in value.items()
            for e in control_characters(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        return [e for k, item in enumerate(value) for e in control_characters(item, f"{path}[{k}]")]
    return []


def parse_notification(payload: Any) -> Notification:
    """Validate one payload against the contract, or raise NotificationRejected naming fields."""
    if not isinstance(payload, dict):
        raise NotificationRejected([FieldError(RECORD, "a notification must be a JSON object")])
    if found := control_characters(payload):
        raise NotificationRejected(found)
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
    """Stream the records of a JSON lines (`.jsonl`, `.json`) or CSV (`.csv`) file. A record
    that is not valid UTF-8 is kept (its bad bytes shown) and refused on its own."""
    if path.suffix.lower() == ".csv":
        # Bad bytes become lone surrogates here, so each row can be judged on its own.
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
            yield from _read_csv(handle, path.name)
    else:
        with path.open("rb") as binary:
            yield from _read_jsonl(binary, path.name)


def _read_jsonl(handle: BinaryIO, source: str) -> Iterator[RawRecord]:
    for number, line in enumerate(handle, start=1):
        data = line.strip()
        if not data:
            continue
        record = raw_from_bytes(data, source=source, position=number)
        yield RawRecord(
            record.source, record.position, record.raw, record.payload, record.read_error, len(line)
        )


class _ByteCounter:
    """Wraps a text stream's lines, counting the bytes read so far (for progress bars)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.bytes += len(line.encode("utf-8", errors="surrogateescape"))
            yield line


def _read_csv(handle: TextIO, source: str) -> Iterator[RawRecord]:
    counter = _ByteCounter(handle)
    reader = csv.DictReader(counter)
    seen = 0
    for row in reader:
        size, seen = counter.bytes - seen, counter.bytes
        if (where := _undecodable(row)) is not None:
            raw = json.dumps(_shown(row), ensure_ascii=False)
            error = FieldError(where, "not valid UTF-8; send the file as UTF-8 text")
            yield RawRecord(source, reader.line_num, raw, None, error, size)
            continue
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


def _undecodable(row: dict[str | None, Any]) -> str | None:
    """The first column whose cell held bytes that are not UTF-8 (lone surrogates here)."""
    for column, cell in row.items():
        cells = cell if isinstance(cell, list) else [cell]
        if any(isinstance(c, str) and any("\udc80" <= ch <= "\udcff" for ch in c) for c in cells):
            return column or RECORD
    return None


def _shown(row: dict[str | None, Any]) -> dict[str, Any]:
    """A row with its bad bytes shown as `\\xNN`, for a person to read and fix."""

    def show(cell: Any) -> Any:
        if isinstance(cell, list):
            return [show(c) for c in cell]
        if not isinstance(cell, str):
            return cell
        return cell.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    return {str(k): show(v) for k, v in row.items()}


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
