"""The words a social worker reads for every code the service keeps: the facts rules test, the
child's history, the flags rules raise, the actions they ask for and the score's factors.

Codes stay what analysts and the API use; pages say these words instead. A code with no entry
here reads as its own words ("return_home_interview" as "Return home interview"), and a test
walks the notification page to prove no code is left showing.
"""

from __future__ import annotations

import re

# The flags rules raise on a decision.
FLAG_WORDS: dict[str, str] = {
    "cce_risk": "Criminal exploitation risk",
    "cse_risk": "Sexual exploitation risk",
    "harm_disclosed": "Harm disclosed",
    "linked_to_exploitation": "Linked to exploitation",
    "long_episode": "Long episode",
    "other_authority": "Another authority's child",
    "persistent": "Goes missing persistently",
    "reclassified": "Absence treated as missing",
    "repeat": "Repeat episodes",
    "still_missing_72h": "Still missing at 72 hours",
    "text_suggests_indicators": "Circumstances suggest unticked indicators",
    "under_13": "Under 13",
    "very_young_child": "Very young child",
    "disclosed_in_interview": "Disclosed in a return home interview",
    "young_child": "Young child",
}

# Indicators police tick (where their own words read badly).
INDICATOR_WORDS: dict[str, str] = {
    "vehicle_unknown_adult": "In a vehicle with an unknown adult",
    "older_controlling_adult": "With an older, controlling adult",
    "unexplained_money_gifts": "Unexplained money or gifts",
    "known_hotspot": "Seen at a known hotspot",
    "hotels_taxis": "Hotels or taxis",
    "peers_exploited": "Friends who are exploited",
    "found_out_of_area": "Found out of area",
    "weapon": "Carrying a weapon",
    "multiple_phones": "More than one phone",
    "arrested_elsewhere": "Arrested elsewhere",
    "self_harm_suicide_risk": "Self-harm or suicide risk",
    "out_of_character": "Out of character",
    "family_conflict_abuse": "Family conflict or abuse",
}

# The actions decisions ask for (and the escalation of a high).
ACTION_WORDS: dict[str, str] = {
    "mase_referral": "MASE referral",
    "notify_responsible_authority": "Tell the responsible authority",
    "return_home_interview": "Return home interview",
    "review_linked_children": "Review the children missing with them",
    "strategy_discussion": "Strategy discussion",
    "inform_senior_manager": "Inform the senior manager",
}

WORDS: dict[str, str] = {
    # What a notification says (the fact the rules test).
    "police_classification": "Missing or absent (police)",
    "police_risk_grade": "Police risk grade",
    "police_grade_rank": "Police risk grade (0 no apparent risk to 3 high)",
    "age": "Age",
    "legal_status": "Legal status",
    "looked_after": "Looked after",
    "cp_plan": "Child protection plan",
    "placed_by_other_authority": "Placed here by another authority",
    "placed_out_of_area": "Placed outside our area",
    "indicators": "Indicators police ticked",
    "cse_indicators": "Sexual exploitation indicators",
    "cce_indicators": "Criminal exploitation indicators",
    "exploitation_indicators": "Exploitation indicators",
    "learning_disability": "Learning disability",
    "hours_missing": "Hours missing",
    "still_missing": "Still missing",
    "returned": "Returned",
    "companions": "Children missing with them",
    "disclosed_indicators": "Indicators disclosed in a return home interview",
    "disclosed_exploitation_indicators": "Exploitation indicators disclosed in an interview",
    "text_suggestions": "What the circumstances suggest",
    "linked_exploited_children": "Children missing with them who show exploitation",
    "policy_reclassify_every_absence": "Policy: every absence is treated as missing",
    # The child's history.
    "history.episodes_7d": "Episodes in the last 7 days",
    "history.episodes_30d": "Episodes in the last 30 days",
    "history.episodes_90d": "Episodes in the last 90 days",
    "history.episodes_365d": "Episodes in the last 12 months",
    "history.missing_7d": "Missing episodes in the last 7 days",
    "history.missing_30d": "Missing episodes in the last 30 days",
    "history.missing_90d": "Missing episodes in the last 90 days",
    "history.missing_365d": "Missing episodes in the last 12 months",
    "history.absent_7d": "Absences in the last 7 days",
    "history.absent_30d": "Absences in the last 30 days",
    "history.absent_90d": "Absences in the last 90 days",
    "history.absent_365d": "Absences in the last 12 months",
    "history.episodes_before": "Earlier episodes",
    "history.days_since_last_episode": "Days since the last episode",
    "history.longest_recent_episode_hours": "Longest recent episode (hours)",
    "history.earlier_cse_episodes": "Earlier episodes with sexual exploitation indicators",
    "history.earlier_cce_episodes": "Earlier episodes with criminal exploitation indicators",
    "history.earlier_exploitation_indicators": "Exploitation indicators on earlier episodes",
    "history.earlier_high_grades": "Earlier episodes police graded high",
    "history.companions_365d": "Children missing with them in the last 12 months",
    **FLAG_WORDS,
    **INDICATOR_WORDS,
    **ACTION_WORDS,
    # The score's factors.
    "police_grade": "Police risk grade",
    "episodes_90d": "Earlier episodes in 90 days",
    "episodes_365d": "Earlier episodes in 12 months",
    "days_since_last": "Days since the last episode",
    "harm": "Harm disclosed or injury on return",
    "vulnerabilities": "Vulnerability indicators",
    "earlier_cse": "Earlier sexual exploitation indicators",
    "earlier_cce": "Earlier criminal exploitation indicators",
    "earlier_high": "Earlier episodes graded high",
    "linked_exploited": "Children missing with them who show exploitation",
    # Why a child is where they are on a panel's list (triage/panels/ranking.py).
    "panel.level": "Level in force",
    "panel.recent_episodes": "Recent episodes",
    "panel.acceleration": "Going missing more often",
    "panel.recency": "Missing recently",
    "panel.exploitation": "Exploitation indicators",
    "panel.still_missing": "Still missing",
    "panel.overdue_actions": "Actions overdue",
    # Panels, their agenda, decisions and actions.
    "panel.city": "City panel",
    "panel.mase": "MASE panel",
    "item.child": "Child",
    "item.person": "Person of concern",
    "item.location": "Location",
    "outcome.keep_on_panel": "Keep on the panel's list",
    "outcome.escalate": "Escalate: strategy discussion",
    "outcome.step_down": "Step down to the area or one agency",
    "outcome.close": "Close: the risk has reduced",
    "action.open": "Open",
    "action.done": "Done",
    "action.cancelled": "Cancelled",
    # Grades and statuses.
    "no_apparent_risk": "No apparent risk",
    "child_in_need": "Child in need",
}

_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


def said(code: object) -> str:
    """The words for a code; a code this module does not know, as its own words."""
    text = str(code)
    if text in WORDS:
        return WORDS[text]
    plain = text.removeprefix("history.").replace("_", " ")
    return plain[:1].upper() + plain[1:]


def in_words(text: object) -> str:
    """A sentence with any codes in it put into words ("at least medium; flags cse_risk")."""
    return _CODE.sub(lambda m: said(m[0]).lower(), str(text))


def glossary(codes: dict[str, str] | list[str] | tuple[str, ...]) -> str:
    """Codes and their words for an API description: "`cse_risk` (sexual exploitation risk),
    ..." (the API keeps codes; its documentation says what each means)."""
    return "; ".join(f"`{code}`: {said(code)}" for code in codes)
