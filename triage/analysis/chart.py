"""A back-test's (or shadow run's) workload change as a chart: for each kind of work, the change
(candidate minus live) per month, one bar group per month, as inline SVG drawn off-screen by
matplotlib (presentation attributes only, like the monthly report's chart, for the pages'
content security policy), with a title and the figures in words."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from triage.reports.chart import BLACK, GREY, SVG_NS, svg_text
from triage.reports.chart import _without_styles as without_styles

TITLE = "Change in work per month (candidate minus live)"
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f")


def describe(workload: pd.DataFrame) -> str:
    """The chart in words: each kind of work's change over the period."""
    if workload.empty:
        return "No work asked for by either side in this period."
    totals = workload.groupby("action")["change"].sum()
    return "Change over the period: " + "; ".join(f"{a}: {int(c):+d}" for a, c in totals.items())


def svg(workload: pd.DataFrame) -> str:
    """The chart as SVG text (scales to its container)."""
    by_month = workload.pivot_table(
        index="month", columns="action", values="change", aggfunc="sum", fill_value=0
    ).sort_index()
    with matplotlib.rc_context(
        {"font.family": "DejaVu Sans", "font.size": 10, "svg.fonttype": "none"}
    ):
        figure = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        months = list(by_month.index)
        width = 0.8 / max(1, len(by_month.columns))
        for k, action in enumerate(by_month.columns):
            xs = [m + k * width - 0.4 + width / 2 for m in range(len(months))]
            axes.bar(xs, by_month[action], width, label=action, color=COLOURS[k % len(COLOURS)])
        axes.set_xticks(range(len(months)), [str(m) for m in months], rotation=45, ha="right")
        axes.axhline(0, color=BLACK, linewidth=0.8)
        axes.set_ylabel("Episodes, candidate minus live")
        axes.set_title(TITLE, loc="left", color=BLACK, fontsize=11, fontweight="bold")
        axes.grid(axis="y", color=GREY, linewidth=0.6)
        axes.set_axisbelow(True)
        if len(by_month.columns):
            axes.legend(frameon=False, fontsize=9)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        out = io.StringIO()
        with matplotlib.rc_context({"svg.hashsalt": "triage-backtest"}):
            figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = without_styles(out.getvalue(), describe(workload))
    root = ET.fromstring(text)  # the shared cleaner titles it as the monthly report's chart
    title = root.find(f"{{{SVG_NS}}}title")
    if title is not None:
        title.text = TITLE
    return svg_text(root)
