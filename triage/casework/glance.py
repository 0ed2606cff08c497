"""A child's history at a glance: who they are now, how often they go missing, and a chart.

The chart is drawn on the server as SVG, with no script and no inline style (the pages' content
security policy allows neither), and reads without colour: each episode is a bar at the day the
child was last seen, as tall as the time they were away (on a log scale, so a week does not
dwarf an evening), a solid bar once they returned and an open one, topped with a mark, while
they are still missing. Its text alternative says the same in words, and the timeline table
beside it holds every figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.casework.records import ChildView, TimelineEntry
from triage.store.tables import EpisodeRecord, NotificationVersion

WIDTH, HEIGHT, TOP, BOTTOM = 640, 120, 12, 24  # the chart's box and margins (px)
DAYS = 365
_MAX_HOURS = 24 * 14  # a bar's full height: two weeks away


@dataclass(frozen=True)
class Glance:
    age: int
    legal_status: str | None
    placement_type: str | None
    responsible_authority: str | None
    episodes_30d: int
    episodes_90d: int
    episodes_365d: int
    episodes: int  # in all, as far back as the record goes
    still_missing: TimelineEntry | None  # the episode they are missing from now, if any
    chart: str  # SVG, every text in it escaped


def at_a_glance(session: Session, view: ChildView, *, now: datetime) -> Glance:
    newest = _newest_payload(session, view.child.id)
    child: dict[str, Any] = newest.get("child", {}) if newest else {}
    born = view.child.date_of_birth
    today = now.date()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def within(days: int) -> int:
        return sum(1 for t in view.timeline if now - t.last_seen_at <= timedelta(days=days))

    return Glance(
        age=age,
        legal_status=child.get("legal_status"),
        placement_type=child.get("placement_type"),
        responsible_authority=child.get("responsible_authority"),
        episodes_30d=within(30),
        episodes_90d=within(90),
        episodes_365d=within(365),
        episodes=len(view.timeline),
        still_missing=next((t for t in view.timeline if t.returned_at is None), None),
        chart=chart(view.timeline, now=now),
    )


def _newest_payload(session: Session, child_id: int) -> dict[str, Any] | None:
    """What police last said about the child: the newest version of their newest episode."""
    return session.scalar(
        select(NotificationVersion.payload)
        .join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
        .where(EpisodeRecord.child_id == child_id)
        .order_by(NotificationVersion.sent_at.desc(), NotificationVersion.id.desc())
        .limit(1)
    )


def chart(timeline: list[TimelineEntry], *, now: datetime) -> str:
    """The last 12 months of episodes as an SVG bar chart (see the module's docstring)."""
    start = now - timedelta(days=DAYS)
    shown = [t for t in timeline if t.last_seen_at >= start]
    plot = HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round((moment - start) / timedelta(days=DAYS) * (WIDTH - 20) + 10, 1)

    parts = [
        f'<line x1="10" y1="{TOP + plot}" x2="{WIDTH - 10}" y2="{TOP + plot}" '
        'stroke="#0b0c0c" stroke-width="1"/>'
    ]
    for month in _month_starts(start.date(), now.date()):
        at = x(datetime.combine(month, datetime.min.time(), tzinfo=now.tzinfo))
        parts.append(
            f'<line x1="{at}" y1="{TOP + plot}" x2="{at}" y2="{TOP + plot + 4}" stroke="#0b0c0c"/>'
            f'<text x="{at}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle" '
            f'fill="#505a5f">{month.strftime("%b")}</text>'
        )
    longest = 0.0
    for t in sorted(shown, key=lambda t: t.last_seen_at):
        end = t.returned_at or now
        hours = max((end - t.last_seen_at).total_seconds() / 3600, 0.0)
        longest = max(longest, hours)
        tall = max(round(math.log1p(hours) / math.log1p(_MAX_HOURS) * plot, 1), 3.0)
        tall = min(tall, float(plot))
        left, top = x(t.last_seen_at) - 3, TOP + plot - tall
        label = escape(f"{t.police_reference}: away {_hours(hours)}")
        if t.returned_at is None:
            parts.append(
                f"<g><title>{label}, still missing</title>"
                f'<rect x="{left}" y="{top}" width="6" height="{tall}" fill="#ffffff" '
                'stroke="#0b0c0c" stroke-width="2"/>'
                f'<path d="M{left - 2} {top - 2} L{left + 3} {top - 9} L{left + 8} {top - 2} Z" '
                'fill="#0b0c0c"/></g>'
            )
        else:
            parts.append(
                f'<g><title>{label}</title><rect x="{left}" y="{top}" width="6" '
                f'height="{tall}" fill="#0b0c0c"/></g>'
            )
    missing = [t for t in shown if t.returned_at is None]
    summary = (
        f"{len(shown)} episode{'s' if len(shown) != 1 else ''} in the last 12 months"
        + (f"; the longest away {_hours(longest)}" if shown else "")
        + ("; still missing now" if missing else "")
        + "."
    )
    return (
        f'<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMinYMin meet">'
        '<title id="chart-title">Episodes in the last 12 months</title>'
        f'<desc id="chart-desc">{escape(summary)} Each bar is an episode, as tall as the time'
        " away; an open bar with a mark: still missing.</desc>" + "".join(parts) + "</svg>"
    )


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _hours(hours: float) -> str:
    if hours < 48:
        return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}"
    return f"{hours / 24:.0f} days"
