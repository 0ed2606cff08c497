"""Writing a synthetic city to files: the notifications police would send, and the hidden truth.

    notifications.jsonl  one payload a line, keys sorted, in sending order
    notifications.csv    the same records as the contract's CSV (reader.CSV_COLUMNS)
    truth.csv            one row per police reference: the true child, true risk, outcome, and
                         for a second police call the reference it repeats (never loaded
                         into the service; for measuring it)
    children.csv         one row per true child: the identity the council holds, every id
    case-record.csv      the case record system's extract (triage.synth.extracts)
    fostering.csv        the fostering service's extract
    extracts-truth.csv   one row per way the extracts diverge from the police feed, and why

The same city always writes the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from triage.notification.reader import CSV_COLUMNS, csv_row
from triage.synth import extracts
from triage.synth.city import ChildTruth, EpisodeTruth, SyntheticCity

_LIST_SEPARATOR = ";"


def write_city(city: SyntheticCity, out: Path) -> dict[str, Path]:
    """Write the city's files into `out` (created if need be); return their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "notifications.jsonl": out / "notifications.jsonl",
        "notifications.csv": out / "notifications.csv",
        "truth.csv": out / "truth.csv",
        "children.csv": out / "children.csv",
    }
    with paths["notifications.jsonl"].open("w", encoding="utf-8", newline="\n") as handle:
        for record in city.records:
            handle.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    _write_csv(paths["notifications.csv"], CSV_COLUMNS, (csv_row(r) for r in city.records))
    _write_csv(paths["truth.csv"], _columns(EpisodeTruth), (_plain(t) for t in city.truth))
    _write_csv(paths["children.csv"], _columns(ChildTruth), (_plain(c) for c in city.children))
    drawn = extracts.extract(city)
    for name, columns, rows in (
        ("case-record.csv", extracts.CASE_RECORD_COLUMNS, drawn.case_record),
        ("fostering.csv", extracts.FOSTERING_COLUMNS, drawn.fostering),
        ("extracts-truth.csv", extracts.TRUTH_COLUMNS, drawn.truth),
    ):
        paths[name] = out / name
        _write_csv(paths[name], columns, rows)
    return paths


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _columns(kind: type) -> list[str]:
    return [f.name for f in dataclasses.fields(kind)]


def _plain(item: EpisodeTruth | ChildTruth) -> dict[str, str]:
    return {key: _cell(value) for key, value in dataclasses.asdict(item).items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return _LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
