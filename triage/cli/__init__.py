"""The `triage` command, one module per group of commands:

synthetic   synth                      a synthetic city
intake      load, vet, history         notifications in; a batch vetted; a child's history
quarantine  quarantine list|show|replay
identity    matches list|confirm|reject
decisions   revet                      decisions that follow the clock
interviews  interviews plan|list       return home interview tasks
scoring     train, model-card
accounts    users add|list|deactivate
service     schema, migrate, serve
reports     report monthly             the committee's monthly report as files
analysis    backtest                   a candidate ruleset replayed on the stored history
reconcile   reconcile import|rejected|replay|report|discrepancies|assign|resolve
shadow      shadow start|approve|stop|follow|report   a candidate deciding beside the live one
intelligence  intelligence places|groups   hotspots and children who go missing together
rules       rules promote|rollback|history   the live rules changed with sign-off
"""

from triage.cli import (  # noqa: F401  (each module adds its commands to `app`)
    accounts,
    analysis,
    decisions,
    identity,
    intake,
    intelligence,
    interviews,
    quarantine,
    reconcile,
    reports,
    rules,
    scoring,
    service,
    shadow,
    synthetic,
)
from triage.cli.common import app

__all__ = ["app"]
