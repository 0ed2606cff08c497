"""What analysts may read: decisions and reviews, pseudonymised."""

from triage.analysis.pseudonymised import PseudonymisedDecision, Pseudonymiser, page_of_decisions

__all__ = ["PseudonymisedDecision", "Pseudonymiser", "page_of_decisions"]
