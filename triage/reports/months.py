"""A report's month: a calendar month in UK time, and the instants (UTC) it starts and ends at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from triage.errors import Refused
from triage.notification.fields import UK

_FORM = re.compile(r"^(\d{4})-(\d{2})$")
EXPECTED = "expected a month as YYYY-MM, for example 2026-06"


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, field: str = "month") -> Month:
        """`2026-06` as a month; anything else is refused naming `field` and the form."""
        found = _FORM.match(text.strip())
        if found is None:
            raise Refused(field, f"{text!r} is not a month: {EXPECTED}")
        year, month = int(found[1]), int(found[2])
        if not 1 <= month <= 12 or not 1900 <= year <= 2999:
            raise Refused(field, f"{text!r} is not a month: {EXPECTED}")
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The UK month a moment falls in."""
        local = moment.astimezone(UK)
        return cls(local.year, local.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        """Local midnight on the 1st, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=UK).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The next month's start: the month is [start, end)."""
        return self.plus(1).start

    def last(self, count: int) -> list[Month]:
        """The `count` months ending with this one, oldest first."""
        return [self.plus(k - count + 1) for k in range(count)]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        """As people write it: "June 2026"."""
        return datetime(self.year, self.month, 1).strftime("%B %Y")

    @property
    def short(self) -> str:
        """For a chart's axis: "Jun 2026"."""
        return datetime(self.year, self.month, 1).strftime("%b %Y")
