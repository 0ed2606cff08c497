"""What the reports API gives: the monthly report, each table as rows of cells as shown
(numbers, or the words for a suppressed cell in the version for sharing)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from triage.http.schemas import example
from triage.reports.figures import Figure, FigureTable
from triage.reports.monthly import MonthlyReport

_CELL = {"value": 38, "text": "38", "hidden": None}
_FEWER = {"value": None, "text": "fewer than 5", "hidden": "primary"}


class ReportCell(BaseModel):
    model_config = example(**_FEWER)

    value: float | None = Field(description="The number; none when hidden (or nothing to show)")
    text: str = Field(description='As shown: "38", "35%", "fewer than 5", "withheld"')
    hidden: Literal["primary", "secondary"] | None = Field(
        description="primary: a count under 5; secondary: hidden so that the totals do not "
        "give a small count away; none: shown"
    )

    @classmethod
    def of(cls, figure: Figure) -> ReportCell:
        return cls(
            value=figure.value,
            text=figure.text,
            hidden=figure.hidden.value if figure.hidden else None,
        )


class ReportRow(BaseModel):
    model_config = example(label="South", cells=[_CELL, _FEWER])

    label: str
    cells: list[ReportCell] = Field(description="One a column, in the columns' order")


class ReportTable(BaseModel):
    model_config = example(
        key="by_area",
        title="By area",
        row_heading="Area",
        columns=["Children missing", "Episodes"],
        rows=[{"label": "South", "cells": [{"value": 20, "text": "20", "hidden": None}, _CELL]}],
        note="Recorded missing or absent as police last said.",
    )

    key: str = Field(description="by_area, by_looked_after, other_authorities, trend, ...")
    title: str
    row_heading: str
    columns: list[str]
    rows: list[ReportRow]
    note: str

    @classmethod
    def of(cls, table: FigureTable) -> ReportTable:
        return cls(
            key=table.key,
            title=table.title,
            row_heading=table.row_heading,
            columns=list(table.columns),
            rows=[
                ReportRow(label=label, cells=[ReportCell.of(c) for c in cells])
                for label, cells in table.rows
            ],
            note=table.note,
        )


class HeadlineFigure(BaseModel):
    model_config = example(label="Children missing", value=115, text="115", hidden=None)

    label: str
    value: float | None
    text: str
    hidden: Literal["primary", "secondary"] | None


class TrendMonth(BaseModel):
    model_config = example(month="2026-06", offered=180, successful=90, success_rate=50.0)

    month: str = Field(description="YYYY-MM")
    offered: int | None = Field(description="Interviews offered; none when hidden")
    successful: int | None
    success_rate: float | None = Field(description="Percent of those offered; none if hidden")


class MonthlyReportOut(BaseModel):
    model_config = example(
        month="2026-06",
        title="June 2026",
        known_at="2026-06-30T23:00:00Z",
        for_sharing=False,
        months_averaged=12,
        headline=[{"label": "Children missing", "value": 115, "text": "115", "hidden": None}],
        tables=[
            {
                "key": "by_area",
                "title": "By area",
                "row_heading": "Area",
                "columns": ["Children missing"],
                "rows": [{"label": "South", "cells": [_CELL]}],
                "note": "",
            }
        ],
        trend=[{"month": "2026-06", "offered": 180, "successful": 90, "success_rate": 50.0}],
        interviews_recorded=True,
    )

    month: str = Field(description="The report's month, YYYY-MM (UK time)")
    title: str
    known_at: datetime = Field(description="Counted as the database knew it at this moment")
    for_sharing: bool = Field(
        description="Small numbers suppressed (always, for analysts and admins)"
    )
    months_averaged: int = Field(description="The months the 12-month averages are over")
    headline: list[HeadlineFigure]
    tables: list[ReportTable]
    trend: list[TrendMonth] = Field(description="The success rate month by month")
    interviews_recorded: bool

    @classmethod
    def of(cls, report: MonthlyReport) -> MonthlyReportOut:
        return cls(
            month=str(report.month),
            title=report.month.title,
            known_at=report.known_at,
            for_sharing=report.for_sharing,
            months_averaged=report.months_averaged,
            headline=[
                HeadlineFigure(label=label, **ReportCell.of(figure).model_dump())
                for label, figure in report.headline
            ],
            tables=[ReportTable.of(t) for t in report.tables],
            trend=[
                TrendMonth(
                    month=str(p.month),
                    offered=p.offered,
                    successful=p.successful,
                    success_rate=p.success_rate,
                )
                for p in report.trend
            ],
            interviews_recorded=report.interviews_recorded,
        )
