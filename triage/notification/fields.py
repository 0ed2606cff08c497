"""Field types of the contract that parse what police systems really send.

Times: an ISO 8601 time with an offset is taken as given; one without an offset is UK local time
(Europe/London, so British Summer Time is honoured). Every time is stored in UTC. Dates are ISO
(`2011-03-14`) or UK day-first (`14/03/2011`). Coded values forgive case, spaces and hyphens
(`No apparent risk` reads as `no_apparent_risk`), and an unknown code gets the nearest known one
as a suggestion.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from rapidfuzz import fuzz, process

UK = ZoneInfo("Europe/London")

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_UK_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")

E = TypeVar("E", bound=StrEnum)
_LISTED_CODES = 8


def nearest(value: str, choices: list[str]) -> str | None:
    """The known value closest to `value`, if any is reasonably close."""
    match = process.extractOne(value, choices, scorer=fuzz.ratio, score_cutoff=65)
    return match[0] if match else None


def _parse_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, str):
        return value
    text = value.strip()
    if m := _UK_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
        return _checked_date(text, year, month, day)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError(
            "date_unparseable",
            "not a date: {value} (expected YYYY-MM-DD or DD/MM/YYYY)",
            {"value": repr(text)},
        ) from None


def _checked_date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PydanticCustomError(
            "date_unparseable", "not a real date: {value}", {"value": repr(text)}
        ) from None


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if m := _UK_DATETIME.match(text):
        day, month, year, hour, minute, second = (int(g or 0) for g in m.groups())
        d = _checked_date(text, year, month, day)
        try:
            return datetime(d.year, d.month, d.day, hour, minute, second)
        except ValueError:
            pass
    else:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise PydanticCustomError(
        "datetime_unparseable",
        "not a date and time: {value} (expected ISO 8601 such as 2026-03-14T21:30, "
        "UK local time unless an offset is given, or DD/MM/YYYY HH:MM)",
        {"value": repr(text)},
    )


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UK)
    return value.astimezone(UTC)


UKDateTime = Annotated[datetime, BeforeValidator(_parse_datetime), AfterValidator(_to_utc)]
"""A moment in time: UK local time unless an offset is given, held in UTC."""

UKDate = Annotated[date, BeforeValidator(_parse_date)]
"""A calendar date, ISO or UK day-first."""


def _normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value.upper())
    m = _POSTCODE.match(compact)
    if not m:
        raise PydanticCustomError("postcode", "not a UK postcode: {value}", {"value": repr(value)})
    return f"{m.group(1)} {m.group(2)}"


Postcode = Annotated[str, AfterValidator(_normalise_postcode)]
"""A UK postcode, normalised to upper case with one space (`B12 9QX`)."""


def code_of(enum: type[E]) -> BeforeValidator:
    """Reads an enum code forgiving case, spaces and hyphens; suggests the nearest if unknown.

    Use as `Annotated[Sex, code_of(Sex)]`.
    """
    codes = [member.value for member in enum]

    def parse(value: Any) -> Any:
        if isinstance(value, enum) or not isinstance(value, str):
            return value
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        if key in codes:
            return key
        suggestion = nearest(key, codes)
        if suggestion:
            hint = f"; did you mean {suggestion!r}?"
        elif len(codes) <= _LISTED_CODES:
            hint = f"; known codes are {', '.join(codes)}"
        else:
            hint = "; see the contract's list of codes"
        raise PydanticCustomError(
            "unknown_code", "unknown code {value}{hint}", {"value": repr(value), "hint": hint}
        )

    return BeforeValidator(parse)


def postcode_district(postcode: str | None) -> str | None:
    """The outward code of a normalised postcode (`B12 9QX` -> `B12`)."""
    return postcode.split(" ", 1)[0] if postcode else None


def control_problem(text: str) -> str | None:
    """What is wrong with a text holding a NUL or another control character (tab, line feed and
    carriage return are allowed), or None: no store takes a NUL, and none belongs in a record."""
    bad = next((c for c in text if ord(c) < 32 and c not in "\t\n\r"), None)
    if bad is None:
        return None
    what = "a NUL character" if bad == "\x00" else f"a control character (U+{ord(bad):04X})"
    return f"contains {what}; remove it"


def _without_controls(text: str) -> str:
    if (problem := control_problem(text)) is not None:
        raise ValueError(problem)
    return text


# A person's words in a request: refused (422, the field named) if they hold a NUL or another
# control character, before anything reaches a store that cannot keep them.
Words = Annotated[str, AfterValidator(_without_controls)]

