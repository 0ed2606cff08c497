"""From the rules that fired to a vetted decision: level, classification, actions, routing."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from triage.decisions.models import Action, Reason, Score, Suggestion, VettedDecision
from triage.notification import Notification
from triage.notification.fields import postcode_district
from triage.notification.vocabulary import Classification, LegalStatus, RiskGrade
from triage.rules.catalogue import Rule, Ruleset

NO_AREA = "MASH (no area: postcode not in the routing table)"
ANOTHER_AUTHORITY = "Another authority:"  # a route to a child's home authority, then its name


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
    """The decision: the higher of the rules' floor and the score's band, with a reason for
    every rule whose effect applied (and only those)."""
    rules = [ruleset.rule(rule_id) for rule_id in fired]
    floor = RiskGrade.NO_APPARENT_RISK
    flags: list[str] = []
    reclassified = False
    for rule in rules:
        effect = rule.spec.effect
        level = _minimum(rule, n)
        if level is not None and level.rank > floor.rank:
            floor = level
        flags += [flag for flag in effect.flags if flag not in flags]
        reclassified = reclassified or (
            effect.reclassify_as_missing and n.police_classification is Classification.ABSENT
        )
    classification = Classification.MISSING if reclassified else n.police_classification
    vetted = score.band if score and score.band.rank > floor.rank else floor
    applied = {rule.id: _applied(rule, n, classification) for rule in rules}
    actions = _actions(n, rules, applied, as_of)
    if vetted is ruleset.escalation.level:
        actions = _escalate(actions, ruleset, as_of)
    return VettedDecision(
        police_reference=n.police_reference,
        as_of=as_of,
        police_risk_grade=n.police_risk_grade,
        police_classification=n.police_classification,
        rules_floor=floor,
        vetted_level=vetted,
        classification=classification,
        reclassified=reclassified,
        flags=flags,
        reasons=[
            _reason(rule, fact, _minimum(rule, n), applied[rule.id])
            for rule in rules
            if _has_effect(rule, n, applied[rule.id])
        ],
        actions=actions,
        suggestions=suggested,
        team=route(n, rules, ruleset),
        ruleset_version=ruleset.version,
        score=score,
    )


def _minimum(rule: Rule, n: Notification) -> RiskGrade | None:
    minimum = rule.spec.effect.minimum_level
    level = n.police_risk_grade if minimum == "police_grade" else minimum
    return level if isinstance(level, RiskGrade) else None


def _applied(rule: Rule, n: Notification, classification: Classification) -> tuple[int, ...]:
    """The positions of the rule's actions that apply to this notification."""
    return tuple(
        k
        for k, spec in enumerate(rule.spec.effect.actions)
        if not (spec.only_if_vetted_missing and classification is not Classification.MISSING)
        and _due_base(spec.due_from, n, None) is not _NO_BASE
    )


def _has_effect(rule: Rule, n: Notification, applied: tuple[int, ...]) -> bool:
    """Whether anything the rule does applied: a reason is listed only for an effect."""
    effect = rule.spec.effect
    return bool(
        _minimum(rule, n) is not None
        or effect.flags
        or (effect.reclassify_as_missing and n.police_classification is Classification.ABSENT)
        or effect.route_to_responsible_authority
        or applied
    )


def _reason(
    rule: Rule, fact: dict[str, Any], level: RiskGrade | None, applied: tuple[int, ...]
) -> Reason:
    history = fact["history"]
    reclassifies = fact["police_classification"] == Classification.ABSENT.value
    return Reason(
        rule_id=rule.id,
        title=rule.spec.title,
        effect=_effect(rule, level, applied, reclassifies),
        evidence={
            name: history.get(name[8:]) if name.startswith("history.") else fact.get(name)
            for name in rule.fields
        },
    )


@lru_cache(maxsize=4096)
def _effect(
    rule: Rule, level: RiskGrade | None, applied: tuple[int, ...], reclassifies: bool
) -> str:
    """What a rule did, in words: only the parts of its effect that applied."""
    effect = rule.spec.effect
    parts = []
    if level is not None:
        parts.append(f"at least {level.value.replace('_', ' ')}")
    if effect.reclassify_as_missing and reclassifies:
        parts.append("absent becomes missing")
    if effect.flags:
        parts.append("flags " + ", ".join(effect.flags))
    if effect.route_to_responsible_authority:
        parts.append("routes to the responsible authority")
    parts += [effect.actions[k].type.replace("_", " ") for k in applied]
    return "; ".join(parts)


_NO_BASE = object()


def _due_base(due_from: str, n: Notification, as_of: datetime | None) -> Any:
    """The moment an action's deadline runs from (`_NO_BASE` if it has none, e.g. no return)."""
    base = {
        "vetting": as_of,
        "returned_at": n.episode.returned_at,
        "last_seen_at": n.episode.last_seen_at,
    }[due_from]
    return _NO_BASE if base is None and due_from != "vetting" else base


def _actions(
    n: Notification, rules: list[Rule], applied: dict[str, tuple[int, ...]], as_of: datetime
) -> list[Action]:
    earliest: dict[str, Action] = {}
    for rule in rules:
        for k in applied[rule.id]:
            spec = rule.spec.effect.actions[k]
            base = _due_base(spec.due_from, n, as_of)
            action = Action(
                type=spec.type, due_at=base + timedelta(hours=spec.due_hours), rule_id=rule.id
            )
            if spec.type not in earliest or action.due_at < earliest[spec.type].due_at:
                earliest[spec.type] = action
    return sorted(earliest.values(), key=lambda a: (a.due_at, a.type))


def _escalate(actions: list[Action], ruleset: Ruleset, as_of: datetime) -> list[Action]:
    wanted = ruleset.escalation.action_from(as_of)
    kept = [a for a in actions if a.type != wanted.type]
    return sorted([*kept, wanted], key=lambda a: (a.due_at, a.type))


def route(n: Notification, rules: list[Rule], ruleset: Ruleset) -> str:
    """Another authority when a rule says so; else the area team by postcode district (for a
    looked-after child, of the placement first). A child this authority placed outside its
    area goes to the team of their home district, else the named out-of-area team."""
    if any(rule.spec.effect.route_to_responsible_authority for rule in rules):
        return f"{ANOTHER_AUTHORITY} {n.child.responsible_authority}"
    looked_after = n.child.legal_status is LegalStatus.LOOKED_AFTER
    for postcode in (n.child.placement_postcode if looked_after else None, n.child.home_postcode):
        district = postcode_district(postcode)
        if district in ruleset.teams:
            return ruleset.teams[district]
    if looked_after and ruleset.out_of_area_team:
        return ruleset.out_of_area_team
    return NO_AREA
