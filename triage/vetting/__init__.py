"""Vetting: from a notification and the child's history to a vetted decision."""

from triage.decisions.models import VettedDecision
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.settings import Settings
from triage.vetting.service import Vetter


def create_vetter(settings: Settings, engine: RuleEngine | None = None) -> Vetter:
    """A vetter over the rules in `settings.rules_dir`, proved on their golden examples, and
    the scored model in `settings.model_dir` (none if that is unset)."""
    from triage.scoring.model import ScoredModel  # the score builds on vetting's types

    rulebook = Rulebook(engine or RuleEngine(), settings.rules_dir)
    model = ScoredModel.load(settings.model_dir) if settings.model_dir else None
    return Vetter(rulebook, home_authority=settings.home_authority, model=model)


__all__ = ["VettedDecision", "Vetter", "create_vetter"]
