"""The success rate's trend as a chart, drawn with matplotlib on its Agg canvas (no display,
no pyplot and its global state: safe in a web process), as PNG and as SVG.

The SVG goes inline into a page whose content security policy allows no inline styles, so
matplotlib's `style` attributes are turned into the equivalent presentation attributes
(`fill="#1d70b8"`) and its `<style>` element is dropped; text stays text (not paths), and the
chart carries a title and a description that say in words what it shows.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from triage.reports.figures import TrendPoint

BLUE, BLACK, GREY = "#1d70b8", "#0b0c0c", "#b1b4b6"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
TITLE = "Successful return home interviews, as a share of those offered"


def describe(points: Sequence[TrendPoint]) -> str:
    """The chart in words (its text alternative)."""
    said = [f"{p.month.short}: {p.success_rate:.0f}%" for p in points if p.success_rate is not None]
    if not said:
        return "No interviews with a known outcome in these months."
    return "Success rate by month. " + "; ".join(said) + "."


def _figure(points: Sequence[TrendPoint]) -> Figure:
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 10}):
        figure = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        xs = list(range(len(points)))
        ys = [float("nan") if p.success_rate is None else p.success_rate for p in points]
        axes.plot(xs, ys, color=BLUE, linewidth=2.5, marker="o", markersize=6)
        for x, y in zip(xs, ys, strict=True):
            if y == y:  # not NaN
                axes.annotate(
                    f"{y:.0f}%",
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    color=BLACK,
                )
        axes.set_xticks(xs, [p.month.short.replace(" ", "\n") for p in points])
        axes.set_ylim(0, 100)
        axes.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        axes.set_ylabel("Successful, of those offered")
        axes.set_title(TITLE, loc="left", color=BLACK, fontsize=11, fontweight="bold", pad=14)
        axes.grid(axis="y", color=GREY, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        return figure


def png(points: Sequence[TrendPoint]) -> bytes:
    out = io.BytesIO()
    _figure(points).savefig(out, format="png", dpi=150, metadata={"Software": None})
    return out.getvalue()


def svg(points: Sequence[TrendPoint]) -> str:
    """The chart as SVG text: presentation attributes only, with a title and description."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "triage-report"}):
        _figure(points).savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _without_styles(out.getvalue(), describe(points))


_FONT = re.compile(r"^(?:(?P<weight>bold|normal|\d00)\s+)?(?P<size>[\d.]+px)\s+(?P<family>.+)$")


def _attributes(style: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name or not value:
            continue
        if name == "font":
            parts = _FONT.match(value)
            if parts:
                found["font-size"] = parts["size"]
                found["font-family"] = f"{parts['family']}, sans-serif"
                if parts["weight"]:
                    found["font-weight"] = parts["weight"]
            continue
        found[name] = value
    return found


def _without_styles(text: str, description: str) -> str:
    root = ET.fromstring(text)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}style", f"{{{SVG_NS}}}metadata"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _attributes(style).items():
                element.set(name, value)
    for element in root.iter():  # what the dropped <style> element said for every element
        if element.tag in (f"{{{SVG_NS}}}path", f"{{{SVG_NS}}}use"):
            element.attrib.setdefault("stroke-linejoin", "round")
            element.attrib.setdefault("stroke-linecap", "butt")
    for name in ("width", "height"):  # scales to its container; the viewBox keeps its shape
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("aria-labelledby", "chart-title chart-desc")
    title = ET.Element(f"{{{SVG_NS}}}title", {"id": "chart-title"})
    title.text = TITLE
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": "chart-desc"})
    desc.text = description
    root.insert(0, desc)
    root.insert(0, title)
    return svg_text(root)


def svg_text(root: ET.Element) -> str:
    """An SVG element as text for a page: `<svg>` in the default namespace, never `<ns0:svg>`,
    which a browser's HTML parser does not draw. ElementTree's prefixes are one map for the whole
    process, and other libraries register their own in it (WeasyPrint's PDF metadata replaces
    the default one), so they are set again each time."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")
