"""The exceptions this package raises, as one tree.

TriageError                  base of everything raised on purpose here
├── NotificationRejected     a record broke the contract; carries one FieldError per problem
├── QuarantineError          a quarantine action that cannot be done (unknown id, already replayed)
└── ConfigurationError       settings that are unsafe or inconsistent
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: `field` is a dotted path such as `child.date_of_birth`."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class TriageError(Exception):
    """Base class for errors raised on purpose by this package."""


class NotificationRejected(TriageError):
    """Raised when a record does not meet the notification contract."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class QuarantineError(TriageError):
    """Raised when a quarantined record cannot be shown or replayed as asked."""


class ConfigurationError(TriageError):
    """Raised when settings are unsafe or inconsistent."""
