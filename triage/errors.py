"""The exceptions this package raises, as one tree.

TriageError                  base of everything raised on purpose here
├── NotificationRejected     a record broke the contract; carries one FieldError per problem
├── QuarantineError          a quarantine action that cannot be done (unknown id, already replayed)
├── ConfigurationError       settings that are unsafe or inconsistent
├── RecordNotFound           a record asked for by its id or reference does not exist
└── CaseworkRefused          a review, agreement or action that breaks the policy; names the field
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


class RecordNotFound(TriageError):
    """Raised when a record asked for by its id or reference does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {key}")


class CaseworkRefused(TriageError):
    """Raised when a review, an agreement or an action breaks the policy; carries the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.error = FieldError(field, problem)
        super().__init__(str(self.error))
