"""The published schema of each extract (docs/reconciliation.md), checked with pandera, and
an extract read into rows kept and rows refused.

    result = read_extract(Source.CASE_RECORD, text)
    result.rows        # ExtractRow, typed, one per good line
    result.rejected    # RejectedRow: the line's number, its cells and raw text, each problem

A file whose header lacks a column, or has one the schema does not know, is refused whole
(`ExtractRefused`, naming the columns): it is not this extract. Otherwise every line is judged
on its own: a bad line is refused with its line number and each field's problem, and kept; the
good lines are kept whatever the others hold. Times without an offset are UK local time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import pandera.pandas as pa

from triage.errors import ExtractRefused
from triage.notification.fields import UK
from triage.notification.vocabulary import LegalStatus, PlacementType
from triage.reconciliation.reasons import Source

CATEGORIES = {
    Source.CASE_RECORD: ("missing", "away", "absent"),
    Source.FOSTERING: ("missing", "away"),
}
LEGAL_STATUSES = (*(s.value for s in LegalStatus), "care_leaver")
PLACEMENT_TYPES = tuple(p.value for p in PlacementType)


@dataclass(frozen=True, slots=True)
class ExtractRow:
    """One good line of an extract, typed (times in UTC)."""

    row_number: int
    record_id: str
    local_child_id: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    category: str
    started_at: datetime
    ended_at: datetime | None
    legal_status: str | None = None
    placement_type: str | None = None
    responsible_authority: str | None = None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A refused line: its number in the file (the header is line 1), its cells as given, and
    one problem per field at fault."""

    row_number: int
    cells: dict[str, str]
    errors: list[dict[str, str]]
    raw: str = ""  # the line exactly as it came


@dataclass(frozen=True, slots=True)
class ExtractResult:
    rows: list[ExtractRow]
    rejected: list[RejectedRow]


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value or " " in value


def _text(required: bool = True) -> pa.Column:
    checks = [pa.Check(lambda s: s.str.strip() != "", element_wise=False, error="is empty")]
    return pa.Column(str, checks=checks if required else [])


def _within(values: tuple[str, ...], *, optional: bool = False) -> pa.Column:
    allowed = (*values, "") if optional else values
    return pa.Column(str, pa.Check.isin(allowed, error=f"must be one of {', '.join(values)}"))


_DATE = pa.Column(str, pa.Check(_is_date, element_wise=True, error="is not a date (YYYY-MM-DD)"))
_TIME = pa.Column(
    str, pa.Check(_is_time, element_wise=True, error="is not a time (YYYY-MM-DDTHH:MM)")
)
_OPTIONAL_TIME = pa.Column(
    str,
    pa.Check(lambda v: v == "" or _is_time(v), element_wise=True, error="is not a time, nor empty"),
)


def _schema(source: Source) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {
        "record_id": _text(),
        "local_child_id": _text(required=source is Source.CASE_RECORD),
        "given_name": _text(),
        "family_name": _text(),
        "date_of_birth": _DATE,
        "category": _within(CATEGORIES[source]),
        "started_at": _TIME,
        "ended_at": _OPTIONAL_TIME,
    }
    if source is Source.CASE_RECORD:
        columns["legal_status"] = _within(LEGAL_STATUSES)
        columns["placement_type"] = _within(PLACEMENT_TYPES, optional=True)
        columns["responsible_authority"] = _text(required=False)
    return pa.DataFrameSchema(columns, strict=True, ordered=False, coerce=False)


SCHEMAS = {source: _schema(source) for source in (Source.CASE_RECORD, Source.FOSTERING)}


def columns_of(source: Source) -> list[str]:
    """The extract's columns, in the published order."""
    return list(SCHEMAS[source].columns)


def read_extract(source: Source, text: str) -> ExtractResult:
    """Every line of a CSV extract of `source`, kept or refused (see the module's docstring)."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    expected = columns_of(source)
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    if missing or unknown:
        said = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        raise ExtractRefused("columns", f"not a {source.value} extract: {said}")
    physical = text.splitlines()
    lines, numbers, raws = [], [], []
    first = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            lines.append(row)
            numbers.append(first)
            raws.append("\n".join(physical[first - 1 : reader.line_num]))
        first = reader.line_num + 1
    cells = [dict(zip(header, _padded(row, len(header)), strict=True)) for row in lines]
    frame = pd.DataFrame(cells, columns=header, dtype=str).fillna("")
    errors: dict[int, list[dict[str, str]]] = {}
    for i, row in enumerate(lines):
        if len(row) != len(header):
            problem = f"has {len(row)} cells where the header has {len(header)}"
            errors.setdefault(i, []).append({"field": "row", "problem": problem})
    try:
        SCHEMAS[source].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples():
            if case.index is None or pd.isna(case.index):
                continue
            problem = f"{case.failure_case!r} {case.check}"
            errors.setdefault(int(case.index), []).append(
                {"field": str(case.column), "problem": problem}
            )
    _check_rows(frame, errors, numbers)
    rows, rejected = [], []
    for i, row_cells in enumerate(cells):
        number = numbers[i]
        if i in errors:
            rejected.append(RejectedRow(number, row_cells, errors[i], raws[i]))
        else:
            rows.append(typed(row_cells, number))
    return ExtractResult(rows, rejected)


def _check_rows(
    frame: pd.DataFrame, errors: dict[int, list[dict[str, str]]], numbers: list[int]
) -> None:
    """What pandera's per-column checks cannot see: a record id given twice, and an end
    before the start."""
    seen: dict[str, int] = {}
    for i, record_id in enumerate(frame["record_id"].tolist()):
        if record_id.strip() and record_id in seen:
            problem = f"{record_id!r} is also on line {numbers[seen[record_id]]}"
            errors.setdefault(i, []).append({"field": "record_id", "problem": problem})
        seen.setdefault(record_id, i)
    for i, (began, ended) in enumerate(zip(frame["started_at"], frame["ended_at"], strict=True)):
        if _is_time(began) and ended and _is_time(ended) and _utc(ended) < _utc(began):
            problem = f"{ended!r} is before started_at {began!r}"
            errors.setdefault(i, []).append({"field": "ended_at", "problem": problem})


def typed(cells: dict[str, str], row_number: int) -> ExtractRow:
    """A line that passed the schema, as typed values (blank optional cells are None)."""

    def optional(name: str) -> str | None:
        return cells.get(name, "").strip() or None

    return ExtractRow(
        row_number=row_number,
        record_id=cells["record_id"].strip(),
        local_child_id=optional("local_child_id"),
        given_name=cells["given_name"].strip(),
        family_name=cells["family_name"].strip(),
        date_of_birth=date.fromisoformat(cells["date_of_birth"]),
        category=cells["category"],
        started_at=_utc(cells["started_at"]),
        ended_at=_utc(cells["ended_at"]) if cells["ended_at"].strip() else None,
        legal_status=optional("legal_status"),
        placement_type=optional("placement_type"),
        responsible_authority=optional("responsible_authority"),
    )


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UK)
    return moment.astimezone(UTC)


def _padded(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]
