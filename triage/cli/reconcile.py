"""`triage reconcile`: the case record and fostering extracts imported, their refused lines
fixed and replayed, a month's counts reconciled with the police feed, and the discrepancy list.

Commands that change something name the person doing it (`--by`, an admin's or an analyst's
account): the change is theirs in the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database
from triage.errors import TriageError
from triage.reconciliation.reasons import Status
from triage.settings import get_settings

if TYPE_CHECKING:
    from triage.reconciliation.runs import Summary

reconcile_app = typer.Typer(
    no_args_is_help=True,
    help="Reconciliation of counts with the case record system and the fostering service.",
)
app.add_typer(reconcile_app, name="reconcile")

By = Annotated[str, typer.Option("--by", help="Your account (an admin or an analyst)")]


def _now() -> datetime:
    return datetime.now(UTC)


@reconcile_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option("--source", help="case-record or fostering")],
    by: By,
) -> None:
    """Import one extract (CSV, docs/reconciliation.md): good lines stored, refused lines
    kept with their row and field named. The same file again stores nothing."""
    from triage.reconciliation import imports

    try:
        with open_database().transaction() as session:
            user = imports.reconciler(session, by)
            done = imports.import_extract(
                session,
                imports.source_of(source),
                file.read_bytes(),
                file_name=file.name,
                by=user,
                now=_now(),
            )
            record, rejected = done.record, [(r.id, r.row_number, r.errors) for r in done.rejected]
    except TriageError as exc:
        raise fail(str(exc)) from None
    if done.repeated:
        console.print(
            f"{file.name}: already imported as import #{record.id} on {record.at:%Y-%m-%d %H:%M}"
            " UTC (the same file): nothing stored"
        )
    else:
        console.print(
            f"import #{record.id} ({record.source}): {record.rows_read} lines, "
            f"{record.rows_kept} kept, {record.rows_rejected} refused"
            + (f"; {done.corrected} refused earlier now corrected" if done.corrected else "")
        )
    for entry_id, row_number, errors in rejected:
        for error in errors:
            console.print(f"  [red]row {row_number}[/] {error['field']}: {error['problem']}")
        console.print(f"    kept as #{entry_id}: fix it with `triage reconcile replay {entry_id}`")


@reconcile_app.command("rejected")
def rejected(
    status: Annotated[str, typer.Option(help="open, replayed, superseded or all")] = "open",
    source: Annotated[str | None, typer.Option(help="case-record or fostering")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Refused extract lines with each field's problem and the line as it came."""
    from triage.reconciliation import imports

    try:
        with open_database().reading() as session:
            rows, total = imports.list_rejected(
                session,
                status=None if status == "all" else status,
                source=imports.source_of(source) if source else None,
                limit=limit,
                offset=offset,
            )
            table = Table(title=f"Refused extract lines: {total} {status}")
            for column in ("id", "import", "source", "row", "status", "problems", "line"):
                table.add_column(column, overflow="fold")
            for row in rows:
                problems = "\n".join(f"{e['field']}: {e['problem']}" for e in row.errors)
                table.add_row(
                    str(row.id),
                    str(row.import_id),
                    row.source,
                    str(row.row_number),
                    row.status,
                    problems,
                    row.raw,
                )
    except TriageError as exc:
        raise fail(str(exc)) from None
    console.print(table)


@reconcile_app.command("replay")
def replay(
    entry_id: Annotated[int, typer.Argument(help="The refused line's id (`reconcile rejected`)")],
    by: By,
    changes: Annotated[
        list[str] | None,
        typer.Option("--set", help="column=value, once per column to change"),
    ] = None,
) -> None:
    """Put a refused line through its schema again with the cells you give changed: kept as a
    record, or refused again (kept as a new entry pointing back at this one)."""
    from triage.reconciliation import imports

    asked: dict[str, str] = {}
    for change in changes or []:
        name, equals, value = change.partition("=")
        if not equals or not name.strip():
            raise fail(f"--set: {change!r} is not column=value")
        asked[name.strip()] = value
    try:
        with open_database().transaction() as session:
            user = imports.reconciler(session, by)
            done = imports.replay(session, entry_id, asked, by=user, now=_now())
            again = (done.again.id, done.again.errors) if done.again else None
            kept = done.record.record_id if done.record else None
    except TriageError as exc:
        raise fail(str(exc)) from None
    if again is not None:
        for error in again[1]:
            console.print(f"  [red]{error['field']}[/]: {error['problem']}")
        raise fail(f"still refused; kept as #{again[0]} (this entry is superseded)")
    console.print(f"#{entry_id} replayed: record {kept} kept")


@reconcile_app.command("report")
def report(
    month: Annotated[str, typer.Option("--month", help="The month, as YYYY-MM (UK time)")],
    by: Annotated[str | None, typer.Option("--by", help="Your account (else: the service)")] = None,
) -> None:
    """The month reconciled: episodes per source side by side, how many they agree on, and
    the differences by reason. Stored as a run when anything changed since the last one."""
    from triage.reconciliation import imports, runs
    from triage.reports.months import Month

    try:
        chosen = Month.parse(month)
        with open_database().transaction() as session:
            user = imports.reconciler(session, by) if by else None
            run = runs.reconcile(
                session,
                chosen,
                by=user,
                now=_now(),
                home_authority=get_settings().home_authority,
            )
            summary = runs.summary_of(session, run)
    except TriageError as exc:
        raise fail(str(exc)) from None
    print_summary(summary)


def print_summary(summary: Summary) -> None:
    from triage.reconciliation.runs import SOURCES

    run = summary.run
    counts = Table(title=f"{summary.month.title}: episodes by source (run #{run.id})")
    for source in SOURCES:
        counts.add_column(source.value, justify="right")
    counts.add_column("agreed by all", justify="right")
    counts.add_column("differences", justify="right")
    counts.add_row(
        *(f"{summary.per_source[s]:,}" for s in SOURCES),
        f"{summary.agreed:,}",
        f"{summary.differences:,}",
    )
    console.print(counts)
    reasons = Table(title="Differences by reason (held by: the sources that hold the episode)")
    for column in ("reason", "differences", *(f"held by {s.value}" for s in SOURCES)):
        if column == "reason":
            reasons.add_column(column, no_wrap=True, min_width=26)
        else:
            reasons.add_column(column, justify="right")
    for line in summary.reasons:
        reasons.add_row(
            line.reason.value,
            str(line.differences),
            *(str(line.held_by[s]) for s in SOURCES),
        )
    console.print(reasons)
    share = summary.share_explained
    said = f"{share:.1%}" if share is not None else "none to explain"
    console.print(
        f"explained by a specific reason: {summary.explained} of {summary.differences} ({said})"
    )


@reconcile_app.command("discrepancies")
def discrepancies(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    status: Annotated[
        str | None, typer.Option(help="open, fixed_in_source or accepted (else all)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="a reason code (else all)")] = None,
) -> None:
    """The month's last run's discrepancies with owner and status, unexplained first."""
    from triage.reconciliation import discrepancies as listing
    from triage.reconciliation.runs import latest_run
    from triage.reports.months import Month

    try:
        chosen = Month.parse(month)
        with open_database().reading() as session:
            run = latest_run(session, chosen)
            if run is None:
                raise fail(f"{chosen} is not reconciled yet: `triage reconcile report --month`")
            items = listing.listed(
                session,
                run,
                status=listing.status_of(status) if status else None,
                reason=listing.reason_of(reason) if reason else None,
            )
            table = Table(title=f"{chosen.title}: {len(items)} discrepancies (run #{run.id})")
            for column in ("id", "reason", "police", "case record", "fostering", "lacking"):
                table.add_column(column, overflow="fold")
            for column in ("owner", "status", "note"):
                table.add_column(column, overflow="fold")
            for item in items:
                row = item.row
                table.add_row(
                    str(row.id),
                    row.reason,
                    *(
                        f"{key} ({row.held.get(s, 'other month')})" if key else "-"
                        for s, key in (
                            ("police", row.police_reference),
                            ("case-record", row.case_record_id),
                            ("fostering", row.fostering_id),
                        )
                    ),
                    ", ".join(row.lacking),
                    item.owner or "",
                    item.status.value,
                    item.note or "",
                )
    except TriageError as exc:
        raise fail(str(exc)) from None
    console.print(table)


@reconcile_app.command("assign")
def assign(
    discrepancy_id: int,
    owner: Annotated[str, typer.Option("--owner", help="Who will look into it")],
    by: By,
) -> None:
    """Give a discrepancy an owner (audited)."""
    _update(discrepancy_id, by, owner=owner)


@reconcile_app.command("resolve")
def resolve(
    discrepancy_id: int,
    status: Annotated[str, typer.Option("--status", help="fixed_in_source, accepted or open")],
    note: Annotated[str, typer.Option("--note", help="What was done, or why it is known")],
    by: By,
) -> None:
    """Mark a discrepancy fixed in the source or accepted as a known difference (audited)."""
    from triage.reconciliation.discrepancies import status_of

    try:
        chosen = status_of(status)
    except TriageError as exc:
        raise fail(f"--{exc}") from None
    _update(discrepancy_id, by, status=chosen, note=note)


def _update(
    discrepancy_id: int,
    by: str,
    *,
    owner: str | None = None,
    status: Status | None = None,
    note: str | None = None,
) -> None:
    from triage.reconciliation import discrepancies as listing
    from triage.reconciliation import imports

    try:
        with open_database().transaction() as session:
            user = imports.reconciler(session, by)
            made = listing.update(
                session, discrepancy_id, by=user, now=_now(), owner=owner, status=status, note=note
            )
            said = f"{made.status}" + (f", owner {made.owner}" if made.owner else ", no owner")
    except TriageError as exc:
        raise fail(str(exc)) from None
    console.print(f"discrepancy {discrepancy_id}: {said}")
