"""Time in the synthetic city: UK local calendar days mapped to instants in UTC.

Inside the generator every instant is a whole number of seconds since the Unix epoch (UTC), so
durations are plain integer arithmetic. Local clock times (a child last seen at 21:30 on a
given day) are turned into instants once, through that day's UTC offset at local midnight:
midnight is never inside a UK clock change, so day boundaries and 18th birthdays are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from triage.notification.fields import UK

DAY = 86_400
HOUR = 3_600
MINUTE = 60


def months_after(start: date, months: int) -> date:
    """The first day of the month `months` after `start`'s day of the month (clamped)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, 1) if start.day == 1 else _clamped(year, month, start.day)


def _clamped(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


@dataclass(frozen=True)
class Clock:
    """Converts local days (counted from the window's first day) to UTC instants."""

    start: date
    first_day: int
    offsets: np.ndarray  # UTC offset in seconds at local midnight, one per day from first_day

    @classmethod
    def covering(cls, start: date, first_day: int, last_day: int) -> Clock:
        """A clock that knows the UK offset for every day from `first_day` to `last_day`."""
        offsets = np.array(
            [
                _offset_at_midnight(start + timedelta(days=d))
                for d in range(first_day, last_day + 1)
            ],
            dtype=np.int64,
        )
        return cls(start, first_day, offsets)

    @property
    def epoch_of_start(self) -> int:
        """The window's first local midnight, as seconds since the epoch."""
        return int(self.midnight(np.array([0]))[0])

    def midnight(self, day: np.ndarray) -> np.ndarray:
        """The instant of local midnight at the start of each day index."""
        return self.local_to_utc(day, np.zeros_like(day))

    def local_to_utc(self, day: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
        """Instants for local clock times given as a day index and seconds after midnight."""
        day = np.asarray(day, dtype=np.int64)
        index = np.clip(day - self.first_day, 0, len(self.offsets) - 1)
        base = _epoch_seconds(self.start) + day * DAY
        return base + np.asarray(second_of_day, dtype=np.int64) - self.offsets[index]

    def day_index(self, day: date) -> int:
        """The day index of a calendar date."""
        return (day - self.start).days


def no_leap_day(day: date) -> date:
    """The date, with 29 February moved to the 28th.

    A 29 February birthday makes "18th birthday" ambiguous; the contract's `age_on` copes,
    but keeping it out keeps the generator's own age arithmetic simple.
    """
    return day.replace(day=28) if (day.month, day.day) == (2, 29) else day


def _offset_at_midnight(day: date) -> int:
    offset = datetime(day.year, day.month, day.day, tzinfo=UK).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _epoch_seconds(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def iso_utc(instants: np.ndarray) -> list[str]:
    """Instants as the contract's JSON form of a UTC time (`2025-11-01T21:30:00Z`)."""
    text = np.datetime_as_string(np.asarray(instants, dtype="datetime64[s]"), unit="s")
    return [f"{t}Z" for t in text.tolist()]
