"""The groups fairness is monitored by, shared by the model card and the analysts' view."""

from __future__ import annotations

AGE_BANDS = ((0, "under 12"), (12, "12-13"), (14, "14-15"), (16, "16-17"))


def age_band(age: int) -> str:
    return [label for floor, label in AGE_BANDS if age >= floor][-1]
