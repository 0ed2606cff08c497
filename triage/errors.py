"""The exceptions this package raises on purpose, as one tree. Each class says when it is raised
and carries its HTTP answer (`status`, `kind`, `title`), so the one problem-details handler
needs no list of classes: a new error is answered correctly by being put in its place here.

TriageError                   base of everything raised on purpose here               500
├── NotificationRejected      a record broke the contract; one FieldError per problem  422
├── RecordNotFound            a record asked for by its id or reference does not exist 404
├── Refused                   an action that breaks a policy; names the field          422
│   ├── CaseworkRefused       a review, agreement or action against casework policy    422
│   ├── UserError             an account that cannot be created as asked               422
│   ├── QuarantineRefused     a quarantined record dismissed without a usable reason   422
│   ├── ShadowRefused         a shadow run asked, approved or stopped against policy   422
│   ├── PromotionRefused      a ruleset promoted or rolled back against policy         422
│   └── ExtractRefused        a reconciliation extract whose header is not its schema  422
├── Conflict                  the record is not in a state that allows this            409
│   ├── QuarantineError       a quarantined record already replayed or superseded      409
│   ├── MatchDecisionError    a possible match already decided                         409
│   └── ShadowConflict        a shadow run already asked for or running, or none is    409
├── NotSignedIn               no identity, or not the one claimed                      401
│   ├── AuthenticationFailed  a username and password that do not match an active user 401
│   │   └── AccountLocked     too many wrong passwords: locked until an admin unlocks  401
│   └── TokenError            a token missing, malformed, badly signed, expired, ended 401
├── Throttled                 too many sign-in attempts from one address: wait         429
├── DatabaseUnavailable       the database is down or not answering: try again shortly 503
├── ConfigurationError        settings that are unsafe or inconsistent                 500
├── RuleFileError             a rule file that cannot be used (file, rule, problem)    500
├── RuleEngineError           the engine refused a ruleset, or an action failed        500
└── ModelError                a model artefact unreadable or unfit for the factors     500
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: `field` is a dotted path such as `child.date_of_birth`."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class TriageError(Exception):
    """Base class for errors raised on purpose by this package."""

    status: ClassVar[int] = 500
    kind: ClassVar[str] = "internal"
    title: ClassVar[str] = "Something went wrong on our side"

    @property
    def field_errors(self) -> list[FieldError]:
        """The fields at fault (none unless the error names them)."""
        return []


class NotificationRejected(TriageError):
    """Raised when a record does not meet the notification contract."""

    status, kind, title = 422, "rejected", "The notification breaks the contract"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @property
    def field_errors(self) -> list[FieldError]:
        return list(self.errors)


class RecordNotFound(TriageError):
    """Raised when a record asked for by its id or reference does not exist."""

    status, kind, title = 404, "not-found", "Not found"

    def __init__(self, kind: str, key: object) -> None:
        self.record_kind, self.key = kind, key
        super().__init__(f"no {kind} {key}")


class Refused(TriageError):
    """Raised when an action breaks a policy; carries the field at fault and the problem."""

    status, kind, title = 422, "refused", "The request cannot be done as asked"

    def __init__(self, field: str, problem: str) -> None:
        self.error = FieldError(field, problem)
        super().__init__(str(self.error))

    @property
    def field_errors(self) -> list[FieldError]:
        return [self.error]


class CaseworkRefused(Refused):
    """Raised when a review, an agreement or an action breaks the casework policy."""


class UserError(Refused):
    """Raised when an account cannot be created as asked (say, the username is taken)."""


class QuarantineRefused(Refused):
    """Raised when a quarantined record is marked "not a notification" without a reason from
    the list, or with a note that cannot be stored."""


class ShadowRefused(Refused):
    """Raised when a shadow run is asked for by someone not an analyst, approved by someone not
    an admin or by the person who asked, or its candidate folder changed since it was asked."""


class PromotionRefused(Refused):
    """Raised when a ruleset promotion or rollback lacks two different people (an analyst or
    admin asking, an admin approving), an equality note or figures, or its candidate does not
    load, is already live, or there is nothing to roll back to."""


class ExtractRefused(Refused):
    """Raised when a file is not the extract it was said to be (its header is wrong)."""


class Conflict(TriageError):
    """Raised when the record is not in a state that allows what was asked."""

    status, kind, title = 409, "conflict", "The record cannot be changed as asked"


class QuarantineError(Conflict):
    """Raised when a quarantined record cannot be replayed: already replayed or superseded."""

    kind, title = "quarantine", "The quarantined record cannot be used"


class MatchDecisionError(Conflict):
    """Raised when a possible match cannot be decided as asked (already decided)."""

    kind, title = "match", "The possible match cannot be decided"


class ShadowConflict(Conflict):
    """Raised when a shadow run is asked for while another is asked for or running, or one is
    approved or stopped when there is none in that state."""

    kind, title = "shadow", "The shadow run cannot be changed as asked"


class NotSignedIn(TriageError):
    """Raised when there is no identity, or not the one claimed."""

    status, kind, title = 401, "unauthenticated", "Sign in again"


class AuthenticationFailed(NotSignedIn):
    """Raised when a username and password do not match an active user."""

    title = "The username or password is not right"


class AccountLocked(AuthenticationFailed):
    """Raised when an account is locked after too many wrong passwords in a row."""

    title = "This account is locked"


class TokenError(NotSignedIn):
    """Raised when a token is missing, malformed, badly signed, expired or signed out."""


class Throttled(TriageError):
    """Raised when one address makes too many sign-in attempts in a short time."""

    status, kind, title = 429, "too-many-attempts", "Too many sign-in attempts"


class DatabaseUnavailable(TriageError):
    """Raised when the database is down or frozen (see `triage.store.guard`): nothing was
    stored, and the same request can be sent again."""

    status, kind = 503, "database-unavailable"
    title = "The database is not answering: nothing was stored; try again shortly"

    def __init__(self, since: datetime | None = None) -> None:
        self.since = since
        when = f" since {since:%H:%M:%S} UTC" if since else ""
        super().__init__(f"the database has not answered{when}")


class ConfigurationError(TriageError):
    """Raised when settings are unsafe or inconsistent."""


class RuleFileError(TriageError):
    """Raised when a rule file cannot be used; the message names the file, the rule, the problem."""

    def __init__(self, path: Path | str, rule: str | None, problem: str) -> None:
        self.path, self.rule, self.problem = str(path), rule, problem
        where = f"{path}" + (f" (rule {rule})" if rule else "")
        super().__init__(f"{where}: {problem}")


class RuleEngineError(TriageError):
    """Raised when the engine refuses a ruleset, or an action failed during an evaluation."""


class ModelError(TriageError):
    """Raised when a model artefact cannot be read or does not fit the factors in code."""
