"""The monthly report as files: each table as CSV, the success rate's trend as PNG and SVG
(with the table behind it as CSV), and a Markdown summary that links them."""

from __future__ import annotations

import csv
from pathlib import Path

from triage.reports import chart
from triage.reports.figures import FigureTable
from triage.reports.monthly import MonthlyReport


def _cell(value: float | None, text: str) -> str:
    if value is None:
        return text
    return f"{value:g}" if isinstance(value, float) else str(value)


def write_csv(table: FigureTable, path: Path) -> None:
    """One table: a heading row, then one row per line of the table; a hidden cell holds its
    words ("fewer than 5", "withheld"), every other cell its number."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([table.row_heading, *table.columns])
        for label, cells in table.rows:
            writer.writerow([label, *(_cell(c.value, c.text) for c in cells)])


def write_trend_csv(report: MonthlyReport, path: Path) -> None:
    """The table behind the chart: one row a month."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["month", "interviews_offered", "successful", "success_rate_percent"])
        for p in report.trend:
            writer.writerow(
                [
                    str(p.month),
                    "" if p.offered is None else p.offered,
                    "" if p.successful is None else p.successful,
                    "" if p.success_rate is None else f"{p.success_rate:g}",
                ]
            )


def write(report: MonthlyReport, directory: Path) -> list[Path]:
    """Every file of the report in `directory` (made if need be), named by the month and, for
    the sharing version, `-for-sharing`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"monthly-{report.month}" + ("-for-sharing" if report.for_sharing else "")
    written = []
    for table in report.tables:
        path = directory / f"{stem}-{table.key.replace('_', '-')}.csv"
        write_csv(table, path)
        written.append(path)
    trend = directory / f"{stem}-success-rate.csv"
    write_trend_csv(report, trend)
    png, svg = directory / f"{stem}-success-rate.png", directory / f"{stem}-success-rate.svg"
    png.write_bytes(chart.png(report.trend))
    svg.write_text(chart.svg(report.trend), encoding="utf-8")
    written += [trend, png, svg]
    summary = directory / f"{stem}.md"
    summary.write_text(markdown(report, [p.name for p in written]), encoding="utf-8")
    return [*written, summary]


def markdown(report: MonthlyReport, files: list[str]) -> str:
    """The summary: the headline figures, every table, the chart and the files."""
    lines = [
        f"# Children missing from home or care: {report.month.title}",
        "",
        f"As known at the end of {report.month.title}; averages over the last "
        f"{report.months_averaged} months with data.",
    ]
    if report.for_sharing:
        lines += [
            "",
            "**For sharing:** counts under 5 are shown as \u201cfewer than 5\u201d; cells marked "
            "\u201cwithheld\u201d are hidden so that the totals do not give a small count away.",
        ]
    lines += ["", "| Figure | |", "|---|---:|"]
    lines += [f"| {label} | {figure.text} |" for label, figure in report.headline]
    for table in report.tables:
        lines += ["", f"## {table.title}", ""]
        if table.note:
            lines += [table.note, ""]
        lines.append("| " + " | ".join([table.row_heading, *table.columns]) + " |")
        lines.append("|---" + "|---:" * len(table.columns) + "|")
        lines += [
            "| " + " | ".join([label, *(c.text for c in cells)]) + " |"
            for label, cells in table.rows
        ]
    lines += ["", "## The success rate month by month", ""]
    if not report.interviews_recorded:
        lines += ["No return home interview was due in these months.", ""]
    png = next(name for name in files if name.endswith("-success-rate.png"))
    lines += [f"![{chart.describe(report.trend)}]({png})", ""]
    lines += ["## Files", ""] + [f"- `{name}`" for name in files]
    return "\n".join(lines) + "\n"
