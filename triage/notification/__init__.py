"""The notification contract and the readers that apply it to JSON lines and CSV."""

from triage.notification.models import (
    SCHEMA_VERSION,
    Child,
    Companion,
    Episode,
    Notification,
    age_on,
)
from triage.notification.reader import (
    RawRecord,
    parse_notification,
    read_records,
    to_csv_row,
)

__all__ = [
    "SCHEMA_VERSION",
    "Child",
    "Companion",
    "Episode",
    "Notification",
    "RawRecord",
    "age_on",
    "parse_notification",
    "read_records",
    "to_csv_row",
]
