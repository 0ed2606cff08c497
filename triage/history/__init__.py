"""A child's history features as of any notification."""

from triage.history.features import FEATURE_NAMES, HistoryFeatures, compute_features
from triage.history.store import features_as_of, features_for_episode, history_features

__all__ = [
    "FEATURE_NAMES",
    "HistoryFeatures",
    "compute_features",
    "features_as_of",
    "features_for_episode",
    "history_features",
]
