"""Dates and times as GOV.UK writes them, in UK time: "3 December 2026", "3 December 2026 at
2:30pm", "midday", "midnight"; in a table's narrow column the month is shortened ("3 Dec 2026
at 2:30pm"). Every time is stored in UTC; every page, pack and report says it this way."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def day(value: date | datetime | None, *, short: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    return f"{value.day} {value:%b %Y}" if short else f"{value.day} {value:%B %Y}"


def moment(value: datetime | None, *, short: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.hour % 12 or 12
    clock = f"{hour}{local:%p}".lower() if local.minute == 0 else f"{hour}:{local:%M%p}".lower()
    if (local.hour, local.minute) == (12, 0):
        clock = "midday"
    elif (local.hour, local.minute) == (0, 0):
        clock = "midnight"
    return f"{day(local, short=short)} at {clock}"
