"""The monthly report's reconciliation section: the episodes police, the case record system and
the fostering service each hold for the month, how many all of them agree on (the reconciled
count), and the differences by reason, from the month's last reconciliation run
(`triage.reconciliation.runs`; `triage reconcile report --month` or the page makes one).

The report reads the run as stored and never makes one: a report run again gives the same
section until the month is reconciled again. Its counts join the report's others, so the
version for sharing suppresses them the same way (the reasons add up to the differences).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from triage.reconciliation.reasons import DESCRIPTIONS, Reason
from triage.reconciliation.runs import SOURCES, Summary, latest_run, summary_of
from triage.reports.figures import Counts, FigureTable, Shown
from triage.reports.months import Month

KEY = "reconciliation"
TITLE = "Reconciliation with the case record and the fostering service"
SOURCE_WORDS = {
    "police": "Episodes police notified",
    "case-record": "Episodes in the case record",
    "fostering": "Episodes the fostering service recorded (foster children only)",
}


def add_counts(counts: Counts, session: Session, month: Month) -> Summary | None:
    """The month's last run's counts, added under `("reconciliation", ...)` keys."""
    run = latest_run(session, month)
    if run is None:
        return None
    summary = summary_of(session, run)
    for source in SOURCES:
        counts.put((KEY, source.value), summary.per_source[source])
    counts.put((KEY, "agreed"), summary.agreed)
    counts.put((KEY, "differences"), summary.differences)
    counts.put((KEY, "explained"), summary.explained)
    for line in summary.reasons:
        counts.put((KEY, "reason", line.reason.value), line.differences)
    every = [(KEY, "reason", r.value) for r in Reason]
    counts.line((KEY, "differences"), every)
    counts.line((KEY, "explained"), [k for k in every if k[2] != Reason.NO_REASON_FOUND.value])
    return summary


def table(shown: Shown, summary: Summary | None, month: Month) -> FigureTable:
    if summary is None:
        return FigureTable(
            key=KEY,
            title=TITLE,
            row_heading="Count",
            columns=("Episodes",),
            rows=(),
            note=f"{month.title} is not reconciled yet: run `triage reconcile report --month "
            f"{month}` once both extracts are imported.",
        )
    rows = [(SOURCE_WORDS[s.value], (shown.count((KEY, s.value)),)) for s in SOURCES]
    rows += [
        (
            "Reconciled: held alike by every source that should hold them",
            (shown.count((KEY, "agreed")),),
        ),
        ("Differences", (shown.count((KEY, "differences")),)),
        ("Explained by a specific reason", (shown.count((KEY, "explained")),)),
    ]
    rows += [
        (f"Reason: {DESCRIPTIONS[r]}", (shown.count((KEY, "reason", r.value)),)) for r in Reason
    ]
    return FigureTable(
        key=KEY,
        title=TITLE,
        row_heading="Count",
        columns=("Episodes",),
        rows=tuple(rows),
        note=f"From reconciliation run {summary.run.id} of {summary.run.at.day} "
        f"{summary.run.at:%B %Y}; a "
        "difference is an episode the sources do not all hold alike in the month, each with "
        "one reason. Data managers own the unexplained ones on the reconciliation page.",
    )
