"""Rules as data (`rules/`), checked on load and run by durable-rules behind one adapter."""

from triage.rules.catalogue import Rule, RuleFileError, Ruleset, load_ruleset
from triage.rules.engine import RuleEngine, RuleEngineError

__all__ = ["Rule", "RuleEngine", "RuleEngineError", "RuleFileError", "Ruleset", "load_ruleset"]
