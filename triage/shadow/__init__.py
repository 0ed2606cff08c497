"""Shadow mode: a candidate ruleset (and model) decides beside the live one, unseen.

An analyst asks, an admin (a different person) approves, and from then on every live decision
(an arrival, a re-vet) is decided again by the candidate as of the same moment and kept apart
(`shadow_decisions`), never reaching a queue, a receipt or the level in force. The report
compares the two on what arrived since the run started, with the back-test's measures.
"""
