"""Child identity: matching notifications to children, and possible matches a person decides."""

from triage.identity.matching import Resolution, resolve_child
from triage.identity.names import name_key

__all__ = ["Resolution", "name_key", "resolve_child"]
