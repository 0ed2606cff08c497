"""The live ruleset: loaded, registered with the engine, proved on its golden examples.

A service keeps its last good ruleset: `reload` swaps in a new one only if every file checks
out and every rule's examples pass; otherwise it raises and the old ruleset stays in use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.history.features import FEATURE_NAMES
from triage.rules.catalogue import DEFAULT_RULES_DIR, Rule, RuleFileError, Ruleset, load_ruleset
from triage.rules.engine import RuleEngine

_LISTS = ("earlier_exploitation_indicators", "companion_child_ids")


def baseline_fact() -> dict[str, Any]:
    """An unremarkable notification: the starting point every golden example changes."""
    return {
        "police_classification": "missing",
        "police_risk_grade": "low",
        "police_grade_rank": 1,
        "age": 15,
        "legal_status": "none",
        "looked_after": False,
        "cp_plan": False,
        "placed_by_other_authority": False,
        "placed_out_of_area": False,
        "indicators": [],
        "cse_indicators": 0,
        "cce_indicators": 0,
        "exploitation_indicators": 0,
        "learning_disability": False,
        "hours_missing": 5.0,
        "still_missing": False,
        "returned": True,
        "companions": 0,
        "text_suggestions": [],
        "linked_exploited_children": 0,
        "policy_reclassify_every_absence": False,
        "disclosed_indicators": [],
        "disclosed_exploitation_indicators": 0,
        "history": {
            name: 0.0 if "hours" in name else 0 for name in FEATURE_NAMES if name not in _LISTS
        },
    }


def example_fact(changes: dict[str, Any]) -> dict[str, Any]:
    fact = baseline_fact()
    for name, value in changes.items():
        if name.startswith("history."):
            fact["history"][name.removeprefix("history.")] = value
        else:
            fact[name] = value
    return fact


@dataclass(frozen=True)
class ExampleFailure:
    rule: Rule
    kind: str
    number: int
    fired: list[str]

    def __str__(self) -> str:
        expected = "fire" if self.kind == "fires" else "not fire"
        return (
            f"{self.rule.path} (rule {self.rule.id}): examples.{self.kind}[{self.number}] should "
            f"{expected}; rules that fired: {', '.join(self.fired) or 'none'}"
        )


@dataclass(frozen=True)
class ExampleResult:
    """One golden example run through the engine: what it changes from the baseline fact, the
    rules that fired, and whether the rule did what the example says."""

    rule: Rule
    kind: str  # "fires" or "does_not_fire"
    number: int
    changes: dict[str, Any]
    fired: list[str]

    @property
    def passes(self) -> bool:
        return (self.rule.id in self.fired) == (self.kind == "fires")


def example_results(ruleset: Ruleset, engine: RuleEngine) -> list[ExampleResult]:
    """Run every rule's golden examples through the real engine, in the files' order."""
    register(ruleset, engine)
    return [
        ExampleResult(
            rule,
            kind,
            number,
            changes,
            engine.evaluate(ruleset.engine_name, example_fact(changes)),
        )
        for rule in ruleset.rules
        for kind in ("fires", "does_not_fire")
        for number, changes in enumerate(getattr(rule.spec.examples, kind), start=1)
    ]


def example_failures(ruleset: Ruleset, engine: RuleEngine) -> list[ExampleFailure]:
    """Run every rule's golden examples through the real engine; list the ones that fail."""
    return [
        ExampleFailure(r.rule, r.kind, r.number, r.fired)
        for r in example_results(ruleset, engine)
        if not r.passes
    ]


def register(ruleset: Ruleset, engine: RuleEngine) -> None:
    engine.register(
        ruleset.engine_name,
        {rule.id: rule.condition for rule in ruleset.rules},
        [rule.id for rule in ruleset.rules],
    )


class Rulebook:
    """Holds the ruleset in use and swaps it only for one that loads and proves itself."""

    def __init__(self, engine: RuleEngine, directory: Path = DEFAULT_RULES_DIR) -> None:
        self.engine, self.directory = engine, directory
        self._lock = threading.Lock()
        self._current = self._proved()

    @property
    def current(self) -> Ruleset:
        return self._current

    def reload(self) -> Ruleset:
        """Load the rules again; on any problem raise and keep the ruleset in use."""
        candidate = self._proved()
        with self._lock:
            self._current = candidate
        return candidate

    def _proved(self) -> Ruleset:
        ruleset = load_ruleset(self.directory)
        failures = example_failures(ruleset, self.engine)
        if failures:
            first = failures[0]
            raise RuleFileError(first.rule.path, first.rule.id, str(first).split(": ", 1)[1])
        return ruleset
