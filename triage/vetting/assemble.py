"""From the rules that fired to a vetted decision: level, classification, actions, routing."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from triage.notification import Notification
from triage.notification.fields import postcode_district
from triage.notification.vocabulary import Classification, LegalStatus, RiskGrade
from triage.rules.catalogue import Rule, Ruleset
from triage.vetting.decision import Action, Reason, Score, Suggestion, VettedDecision

NO_AREA = "MASH (no area: postcode not in the routing table)"


def assemble(
    n: Notification,
    fired: list[str],
    fact: dict[str, Any],
    *,
    ruleset: Ruleset,
    as_of: datetime,
    suggested: list[Suggestion],
    score: Score | None = None,
) -> VettedDecision:
    """The decision: the higher of the rules' floor and the score's band, with every reason."""
    rules = [ruleset.rule(rule_id) for rule_id in fired]
    floor = RiskGrade.NO_APPARENT_RISK
    flags: list[str] = []
    reclassified = False
    reasons = []
    for rule in rules:
        effect = rule.spec.effect
        minimum = effect.minimum_level
        level = n.police_risk_grade if minimum == "police_grade" else minimum
        if isinstance(level, RiskGrade) and level.rank > floor.rank:
            floor = level
        flags += [flag for flag in effect.flags if flag not in flags]
        reclassified = reclassified or (
            effect.reclassify_as_missing and n.police_classification is Classification.ABSENT
        )
        reasons.append(_reason(rule, fact, level if isinstance(level, RiskGrade) else None))
    classification = Classification.MISSING if reclassified else n.police_classification
    return VettedDecision(
        police_reference=n.police_reference,
        as_of=as_of,
        police_risk_grade=n.police_risk_grade,
        police_classification=n.police_classification,
        rules_floor=floor,
        vetted_level=score.band if score and score.band.rank > floor.rank else floor,
        classification=classification,
        reclassified=reclassified,
        flags=flags,
        reasons=reasons,
        actions=_actions(n, rules, classification, as_of),
        suggestions=suggested,
        team=route(n, rules, ruleset),
        ruleset_version=ruleset.version,
        score=score,
    )


def _reason(rule: Rule, fact: dict[str, Any], level: RiskGrade | None) -> Reason:
    history = fact["history"]
    return Reason(
        rule_id=rule.id,
        title=rule.spec.title,
        effect=_effect(rule, level),
        evidence={
            name: history.get(name[8:]) if name.startswith("history.") else fact.get(name)
            for name in rule.fields
        },
    )


@lru_cache(maxsize=4096)
def _effect(rule: Rule, level: RiskGrade | None) -> str:
    """What a rule did, in words (the same for every notification it fires on at that level)."""
    effect = rule.spec.effect
    parts = []
    if level is not None:
        parts.append(f"at least {level.value.replace('_', ' ')}")
    if effect.reclassify_as_missing:
        parts.append("absent becomes missing")
    if effect.flags:
        parts.append("flags " + ", ".join(effect.flags))
    if effect.route_to_responsible_authority:
        parts.append("routes to the responsible authority")
    parts += [f"{a.type.replace('_', ' ')}" for a in effect.actions]
    return "; ".join(parts)


def _actions(
    n: Notification, rules: list[Rule], classification: Classification, as_of: datetime
) -> list[Action]:
    earliest: dict[str, Action] = {}
    for rule in rules:
        for spec in rule.spec.effect.actions:
            if spec.only_if_vetted_missing and classification is not Classification.MISSING:
                continue
            base = {
                "vetting": as_of,
                "returned_at": n.episode.returned_at,
                "last_seen_at": n.episode.last_seen_at,
            }[spec.due_from]
            if base is None:
                continue
            action = Action(
                type=spec.type, due_at=base + timedelta(hours=spec.due_hours), rule_id=rule.id
            )
            if spec.type not in earliest or action.due_at < earliest[spec.type].due_at:
                earliest[spec.type] = action
    return sorted(earliest.values(), key=lambda a: (a.due_at, a.type))


def route(n: Notification, rules: list[Rule], ruleset: Ruleset) -> str:
    """Another authority when a rule says so; else the area team by postcode district."""
    if any(rule.spec.effect.route_to_responsible_authority for rule in rules):
        return f"Another authority: {n.child.responsible_authority}"
    looked_after = n.child.legal_status is LegalStatus.LOOKED_AFTER
    for postcode in (n.child.placement_postcode if looked_after else None, n.child.home_postcode):
        district = postcode_district(postcode)
        if district in ruleset.teams:
            return ruleset.teams[district]
    return NO_AREA
