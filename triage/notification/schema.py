"""The published forms of the contract: JSON Schema and a field-by-field page for people.

Both are generated from the models (`triage schema` writes them; a test checks they are current).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from triage.notification.models import SCHEMA_VERSION, Child, Companion, Episode, Notification
from triage.notification.vocabulary import (
    INDICATOR_CATEGORIES,
    Classification,
    Ethnicity,
    LegalStatus,
    PlacementType,
    RiskGrade,
    Sex,
)

SCHEMA_PATH = Path("schema/notification.schema.json")
CONTRACT_PAGE = Path("docs/contract.md")


def schema_text() -> str:
    return json.dumps(Notification.model_json_schema(), indent=2, sort_keys=True) + "\n"


def contract_page() -> str:
    """The contract as Markdown: every field, its type, whether required, what it means."""
    schema = Notification.model_json_schema()
    lines = [
        f"# The notification contract, version {SCHEMA_VERSION}",
        "",
        "Generated from `triage/notification/models.py` by `make schema`; do not edit by hand.",
        "The machine-readable form is [`schema/notification.schema.json`]"
        "(../schema/notification.schema.json).",
        "",
        "Times are ISO 8601 (`2026-03-14T21:30`) or UK day-first (`14/03/2026 21:30`); a time",
        "without an offset is UK local time (GMT or BST) and is stored in UTC. Dates are",
        "`2011-05-02` or `02/05/2011`. Coded values forgive case, spaces and hyphens",
        "(`No apparent risk` reads as `no_apparent_risk`).",
        "",
        "In CSV, each column is a field's dotted path (`child.date_of_birth`);",
        "`episode.indicators` is `;`-separated and `episode.companions` is a JSON array.",
        "",
    ]
    for prefix, model in (
        ("", Notification),
        ("child.", Child),
        ("episode.", Episode),
        ("episode.companions[].", Companion),
    ):
        lines += _model_table(prefix, model, schema)
    lines += ["## Codes", ""]
    for enum in (Classification, RiskGrade, Sex, Ethnicity, LegalStatus, PlacementType):
        lines.append(f"- **{enum.__name__}**: " + ", ".join(f"`{m.value}`" for m in enum))
    lines += ["", "### Indicators", "", "| code | categories |", "|---|---|"]
    for indicator, categories in INDICATOR_CATEGORIES.items():
        lines.append(f"| `{indicator.value}` | {', '.join(sorted(c.value for c in categories))} |")
    lines += ["", _validation_rules()]
    return "\n".join(lines)


def _model_table(prefix: str, model: type[BaseModel], schema: dict[str, Any]) -> list[str]:
    title = prefix.rstrip(".") or "notification"
    lines = [f"## `{title}`", "", (model.__doc__ or "").strip(), ""]
    lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if prefix == "" and name in {"child", "episode"}:
            continue
        required = "yes" if field.is_required() else "no"
        kind = _kind(field.annotation)
        lines.append(f"| `{prefix}{name}` | {kind} | {required} | {field.description or ''} |")
    return [*lines, ""]


def _kind(annotation: Any) -> str:
    text = str(annotation)
    for token, word in (
        ("datetime.datetime", "date and time"),
        ("datetime.date", "date"),
        ("Companion", "list of companions"),
    ):
        if token in text:
            return word
    for enum in (Classification, RiskGrade, Sex, Ethnicity, LegalStatus, PlacementType):
        if enum.__name__ in text:
            return f"code ({enum.__name__})"
    if "Indicator" in text:
        return "list of codes (Indicator)"
    if "Literal" in text:
        return "text (fixed)"
    return "text"


def _validation_rules() -> str:
    return "\n".join(
        [
            "## Checks across fields",
            "",
            "A record is rejected, naming the field, when:",
            "- `child.date_of_birth` is after the report, or makes the person 18 or over at it;",
            "- `episode.last_seen_at` is after `episode.reported_at` (15 minutes' grace);",
            "- `episode.returned_at` is before `episode.last_seen_at`;",
            "- `episode.reported_at` or `episode.returned_at` is after `sent_at` (15 minutes'",
            "  grace): a notification cannot know what happened after it was sent;",
            "- `episode.return_location` is given without `episode.returned_at`;",
            "- a field is missing, unknown, or a code is not in its list (the nearest code is",
            "  suggested).",
            "",
            "Rejected records are kept in quarantine with their errors (`triage quarantine list`).",
            "",
        ]
    )


def write(root: Path) -> list[Path]:
    """Write the schema and the contract page under `root`; returns the paths written."""
    written = []
    for path, text in ((SCHEMA_PATH, schema_text()), (CONTRACT_PAGE, contract_page())):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


__all__ = ["CONTRACT_PAGE", "SCHEMA_PATH", "contract_page", "schema_text", "write"]
