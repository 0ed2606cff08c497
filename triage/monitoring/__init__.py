"""Monitoring live decisions: override rates, time to review, live calibration and fairness.

From a notebook (every reading is audited; `actor` says who read):

    from triage.audit import Actor
    from triage.monitoring import Outcomes, monitor
    with database.transaction() as session:  # the audit entry is written with it
        seen = monitor(session, pseudonyms, actor=Actor(None, "notebook", "analyst"), now=now,
                       outcomes=Outcomes.from_file(Path("city/truth.csv")))
    seen.overrides["rule"], seen.review_times, seen.calibration, seen.fairness, seen.findings

Each table is a pandas frame; the measures also run on frames of your own
(`override_rates`, `time_to_review`, `live_calibration`, `fairness_table`), read from the
store by `read_episodes` and `read_reviews`.
"""

from triage.monitoring.calibration import live_calibration
from triage.monitoring.fairness import MINIMUM_GROUP, fairness_table, findings
from triage.monitoring.frame import GROUPS, read_episodes, read_reviews
from triage.monitoring.overrides import BY, override_rates
from triage.monitoring.service import Monitoring, Outcomes, monitor
from triage.monitoring.timing import time_to_review

__all__ = [
    "BY",
    "GROUPS",
    "MINIMUM_GROUP",
    "Monitoring",
    "Outcomes",
    "fairness_table",
    "findings",
    "live_calibration",
    "monitor",
    "override_rates",
    "read_episodes",
    "read_reviews",
    "time_to_review",
]
