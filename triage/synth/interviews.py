"""Return home interview outcomes for a synthetic city, calibrated to the published figures.

    outcomes = interview_outcomes(city)          # police reference -> InterviewOutcome
    outcome = outcome_for(reference, returned_at, seed=7, exploitation="cse")

Each outcome is drawn from its own stream (the seed and the police reference), so it does not
depend on which other episodes are asked for, and the same city always gets the same outcomes.

The figures (`shared/product.md`, the July 2018 report, Missing People 2023-24):
- the success rate (successful interviews as a share of those offered; a successful interview
  is a meaningful face-to-face or telephone conversation about the episode) is 35% before the
  service changed hands, then 44%, 58% and 50% in its first three months, and 50% after. The
  report's change was April 2018; a synthetic city's change falls on `CHANGE` (April 2026 for
  the default city, Nov 2025 to Oct 2026), so the demo city shows the same shape;
- every episode's interview is offered (the report: "for each missing episode");
- 90% of held interviews are successful; the rest of those offered are declined (by the child
  mostly, sometimes a parent or carer), so about 30-55% decline, as "First Step" found ~30%;
- about 63% of held interviews are held within 72 hours of the return (the English average);
  offers are made within 72 hours 90% of the time;
- of children interviewed, about 14% disclose sexual and 8% criminal exploitation ("A Safer
  Return", 2019), more often when the child's hidden state is exploited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

CHANGE = date(2026, 4, 1)  # when the synthetic service changed hands (the reports: April 2018)
BEFORE = 0.35
AFTER = (0.44, 0.58, 0.50)  # the first three months after the change; AFTER[-1] thereafter
HELD_SUCCESSFUL = 0.9
HELD_WITHIN_72H = 0.63
OFFERED_WITHIN_72H = 0.9

PUSH = ("conflict_at_home", "conflict_in_placement", "unhappy_in_placement", "boredom",
        "rules_and_boundaries", "school_problems", "emotional_wellbeing")  # fmt: skip
PULL = ("friends_or_peers", "boyfriend_or_girlfriend", "older_person", "family_elsewhere",
        "drugs_or_alcohol", "parties", "money_or_gifts", "home_area")  # fmt: skip
CSE_DISCLOSED = ("older_controlling_adult", "hotels_taxis", "unexplained_money_gifts")
CCE_DISCLOSED = ("drugs", "multiple_phones", "found_out_of_area")


@dataclass(frozen=True, slots=True)
class InterviewOutcome:
    """What happened to one episode's interview, as hours after the return."""

    offered_after_hours: float
    offered_how: str
    result: str  # "held" | "declined"
    after_hours: float  # when it was held or declined
    held_how: str | None
    declined_by: str | None
    successful: bool
    push_factors: tuple[str, ...]
    pull_factors: tuple[str, ...]
    harms: tuple[str, ...]
    disclosed: tuple[str, ...]
    referrals: tuple[str, ...]


def success_rate(returned: date, change: date = CHANGE) -> float:
    """The share of offered interviews that are successful, for a return on `returned`."""
    months = (returned.year - change.year) * 12 + returned.month - change.month
    if months < 0:
        return BEFORE
    return AFTER[min(months, len(AFTER) - 1)]


def _stream(seed: int, reference: str) -> np.random.Generator:
    digest = hashlib.sha256(f"rhi:{seed}:{reference}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _hours_within(rng: np.random.Generator, within: float, deadline: float = 72.0) -> float:
    """Hours after the return: before the deadline with probability `within`, else after."""
    if rng.random() < within:
        return float(rng.uniform(2.0, deadline - 1.0))
    return float(rng.uniform(deadline + 1.0, deadline + 96.0))


def outcome_for(
    reference: str,
    returned: datetime,
    *,
    seed: int = 7,
    exploitation: str = "none",
    change: date = CHANGE,
) -> InterviewOutcome:
    """One episode's interview outcome (`exploitation`: the child's hidden "none", "cse",
    "cce" or "both", which makes a disclosure likelier)."""
    rng = _stream(seed, reference)
    rate = success_rate(returned.date(), change)
    held_share = min(rate / HELD_SUCCESSFUL, 1.0)
    offered = _hours_within(rng, OFFERED_WITHIN_72H, 60.0) * 0.5
    how = str(rng.choice(["telephone", "in_person", "through_carer", "text_message"]))
    if rng.random() >= held_share:
        return InterviewOutcome(
            offered_after_hours=offered,
            offered_how=how,
            result="declined",
            after_hours=offered + float(rng.uniform(0.5, 24.0)),
            held_how=None,
            declined_by=str(rng.choice(["child", "child", "child", "parent", "carer"])),
            successful=False,
            push_factors=(),
            pull_factors=(),
            harms=(),
            disclosed=(),
            referrals=(),
        )
    held = max(_hours_within(rng, HELD_WITHIN_72H), offered + 0.5)
    successful = bool(rng.random() < HELD_SUCCESSFUL)
    lift = 2.5 if exploitation != "none" else 0.6
    disclosed: list[str] = []
    harms: list[str] = []
    if (
        successful
        and rng.random() < min(0.14 * lift, 0.9)
        and exploitation in ("none", "cse", "both")
    ):
        disclosed.append(str(rng.choice(CSE_DISCLOSED)))
        harms.append("sexual_exploitation")
    if (
        successful
        and rng.random() < min(0.08 * lift, 0.9)
        and exploitation in ("none", "cce", "both")
    ):
        disclosed.append(str(rng.choice(CCE_DISCLOSED)))
        harms.append("criminal_exploitation")
    referrals = []
    if disclosed and rng.random() < 0.5:
        referrals.append("strategy_discussion_s47")
    if successful and rng.random() < 0.08:
        referrals.append(str(rng.choice(["cass_referral", "step_up_family_support"])))
    return InterviewOutcome(
        offered_after_hours=offered,
        offered_how=how,
        result="held",
        after_hours=held,
        held_how="face_to_face" if rng.random() < 0.75 else "telephone",
        declined_by=None,
        successful=successful,
        push_factors=_some(rng, PUSH) if successful else (),
        pull_factors=_some(rng, PULL) if successful else (),
        harms=tuple(harms),
        disclosed=tuple(sorted(set(disclosed))),
        referrals=tuple(referrals),
    )


def _some(rng: np.random.Generator, options: tuple[str, ...]) -> tuple[str, ...]:
    k = int(rng.integers(0, 3))
    return tuple(sorted(str(o) for o in rng.choice(options, size=k, replace=False)))


def at(returned: datetime, hours: float) -> datetime:
    return returned + timedelta(hours=hours)


def calibration(outcomes: Iterable[tuple[datetime, InterviewOutcome]]) -> dict[str, float]:
    """The figures the outcomes give: success rate before the change and in each month after,
    the share declined and the share of held interviews held within 72 hours."""
    pairs = list(outcomes)
    by_period: dict[str, list[bool]] = {}
    for returned, o in pairs:
        months = (returned.year - CHANGE.year) * 12 + returned.month - CHANGE.month
        key = "before" if months < 0 else f"month {min(months, 3) + 1}"
        by_period.setdefault(key, []).append(o.successful)
    held = [o for _, o in pairs if o.result == "held"]
    found = {f"success {k}": float(np.mean(v)) for k, v in sorted(by_period.items())}
    found["declined"] = float(np.mean([o.result == "declined" for _, o in pairs]))
    found["held within 72 hours"] = float(np.mean([o.after_hours <= 72 for o in held]))
    return found
