"""Decisions: what the machine concluded about a notification, kept over time.

A decision is stored once and never rewritten. A new version, a new ruleset or model, or time
passing while a child is still missing (`revet`) adds a decision beside the old ones; people's
reviews sit beside them. The level in force (machine, then reviews and agreements) has one
definition, `level.in_force`.
"""

from triage.decisions.level import (
    LevelInForce,
    ReviewStatus,
    in_force,
    level_in_force,
    levels_in_force,
)
from triage.decisions.models import (
    Action,
    Reason,
    Score,
    ScoreFactor,
    Suggestion,
    VettedDecision,
    from_json,
    json_line,
    to_json,
)
from triage.decisions.service import (
    Trigger,
    current_version,
    decide,
    get_or_raise,
    newest,
    of_episode,
    open_failures,
    read,
)

__all__ = [
    "Action",
    "LevelInForce",
    "Reason",
    "ReviewStatus",
    "Score",
    "ScoreFactor",
    "Suggestion",
    "Trigger",
    "VettedDecision",
    "current_version",
    "decide",
    "from_json",
    "get_or_raise",
    "in_force",
    "json_line",
    "level_in_force",
    "levels_in_force",
    "newest",
    "of_episode",
    "open_failures",
    "read",
    "to_json",
]
