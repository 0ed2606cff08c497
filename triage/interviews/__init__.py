"""Return home interviews: a task for each returned episode the rules say needs one, its
72-hour clock, the outcome a missing support worker records, and referrals arising.

Kept light on purpose: `triage.store` imports `tables` so migrations and checks see them.
"""
