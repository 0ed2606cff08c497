"""The fields a rule may test: one flat fact per notification, with its history under `history.`.

Rule files are checked against this list when they load, so a misspelt field is refused with
its name rather than silently never matching.
"""

from __future__ import annotations

from triage.history.features import FEATURE_NAMES

NOTIFICATION_FIELDS: dict[str, tuple[type, str]] = {
    "police_classification": (str, "missing or absent, as police recorded it"),
    "police_risk_grade": (str, "no_apparent_risk, low, medium or high, as police graded it"),
    "police_grade_rank": (int, "the police grade as a number: 0 no apparent risk ... 3 high"),
    "age": (int, "the child's age in whole years at the report"),
    "legal_status": (str, "none, child_in_need, cp_plan or looked_after"),
    "looked_after": (bool, "the child is looked after"),
    "cp_plan": (bool, "the child is on a child protection plan"),
    "placed_by_other_authority": (bool, "looked after by another authority, placed here"),
    "placed_out_of_area": (bool, "looked after by this authority, placed outside its area"),
    "indicators": (list, "indicator codes police ticked"),
    "cse_indicators": (int, "how many ticked indicators signal sexual exploitation"),
    "cce_indicators": (int, "how many ticked indicators signal criminal exploitation"),
    "exploitation_indicators": (int, "how many distinct ticked indicators signal either"),
    "learning_disability": (bool, "the learning_disability indicator is ticked"),
    "hours_missing": (float, "hours from last seen to return, or to the time of vetting"),
    "still_missing": (bool, "no return recorded at the time of vetting"),
    "returned": (bool, "a return is recorded"),
    "companions": (int, "how many children were seen missing with this one"),
    "text_suggestions": (list, "indicator codes the free text suggests that were not ticked"),
    "linked_exploited_children": (
        int,
        "children seen missing with this one (now or in the last 365 days) with an "
        "exploitation indicator on any of their episodes",
    ),
    "policy_reclassify_every_absence": (bool, "the policy switch: every absence is missing"),
    # Their own source: what the child told an independent interviewer after an earlier return.
    "disclosed_indicators": (list, "indicator codes disclosed in return home interviews so far"),
    "disclosed_exploitation_indicators": (
        int,
        "how many distinct indicators disclosed in return home interviews signal exploitation",
    ),
}

HISTORY_FIELDS: dict[str, tuple[type, str]] = {
    f"history.{name}": (float if "hours" in name or "days_since" in name else int, name)
    for name in FEATURE_NAMES
    if name not in ("earlier_exploitation_indicators", "companion_child_ids")
}

FACT_FIELDS: dict[str, tuple[type, str]] = {**NOTIFICATION_FIELDS, **HISTORY_FIELDS}
