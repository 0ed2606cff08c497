"""Rulesets made live with sign-off: promotion, rollback and the history of versions.

`service.promote` and `service.rollback` record who asked, who approved (a different person),
when, the figures and equality note a change was judged on, keep every promoted version's files
as data (`ruleset_files`) and swap the live rules folder atomically. `tables` says what is kept.
"""
