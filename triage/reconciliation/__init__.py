"""Reconciliation of counts: the police feed, the case record system's extract and the
fostering service's, matched per child and per episode, with a reason for every difference.

reasons.py      the sources, the reason codes (in the order they are tried), discrepancy statuses
tolerances.py   the match's time windows and thresholds, read from tolerances.toml (data)
extract.py      each extract's published schema (pandera): lines kept, lines refused and kept
match.py        the three-way match and each difference's reason (pure: records in)

The extracts' schemas are published in docs/reconciliation.md.
"""
