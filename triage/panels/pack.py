"""The panel pack: a PDF for a meeting, drawn by WeasyPrint from HTML rendered here and a print
stylesheet (`pack.css`: page numbers, running headers, the protective marking on every page).

A cover (marking, panel, meeting date, who printed it and when, the agenda and attendance),
then one section per agenda item: for a child, their history at a glance and its timeline
chart, their place on the panel's list and why, indicators, linked children, the panel's
actions, "since the last panel" and the decision; for a person of concern or a location, its
description, actions and decision.

The partners' version, chosen by the chair, is for agencies outside the service. It keeps what
is structured (levels, dates, counts, indicators, outcomes, each action's owning agency, due
date and status) and leaves out all free text: the panel's decision notes, the descriptions
of people of concern and of locations (a location keeps its postcode), what police wrote
(where a child was last seen or found), and what an action says and who owns it, unless the
chair chose to share that action with partners. Children not on the agenda are counted, not
named. A meeting held before today is printed as it stood (its actions' status then). Every
pack made is written to the audit trail.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import jinja2
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.casework.dates import day, moment
from triage.casework.glance import Glance, at_a_glance
from triage.casework.records import ChildView, child_view
from triage.casework.vocabulary import said
from triage.panels.meetings import ItemView, meeting_view, panel_name
from triage.panels.ranking import RankedChild, RankingWeights, rank_children
from triage.panels.since import OverdueAction, SinceLastPanel, overdue_for, since_last_panel
from triage.panels.tables import PanelMeeting
from triage.store.tables import UserRecord

HERE = Path(__file__).parent
Version = Literal["full", "partners"]
MARKING = "OFFICIAL-SENSITIVE"
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_templates.filters.update(said=said, day=day, moment=moment)


@dataclass(frozen=True, slots=True)
class ChildSection:
    view: ChildView
    glance: Glance
    ranked: RankedChild | None
    place: int | None  # 1 for the top of the panel's list
    since: SinceLastPanel
    indicators: list[str]  # every indicator police ticked in the last 12 months
    chart: str  # the glance's chart, its ids made unique in the pack
    chart_words: str  # what the chart shows, in words (printed under it)


@dataclass(frozen=True, slots=True)
class Section:
    item: ItemView
    child: ChildSection | None
    overdue: list[OverdueAction]


def pack_html(
    session: Session,
    meeting_id: int,
    *,
    version: Version,
    viewer: UserRecord,
    weights: RankingWeights,
    now: datetime,
) -> str:
    """The pack as HTML (what `render_pack` prints)."""
    view = meeting_view(session, meeting_id, viewer=viewer, weights=weights, now=now, audited=False)
    meeting = view.meeting
    ranking = rank_children(
        session, weights=weights, now=now, area=meeting.area if meeting.panel == "mase" else None
    )
    places = {r.child_id: (n, r) for n, r in enumerate(ranking, start=1)}
    on_agenda = {i.item.child_id for i in view.items if i.item.child_id}
    sections = []
    for item in view.items:
        child = None
        if item.item.child_id is not None:
            shown = child_view(session, item.item.child_id, viewer=viewer, now=now)
            place, ranked = places.get(shown.child.id, (None, None))
            glance = at_a_glance(session, shown, now=now)
            words = re.search(r'<desc id="chart-desc">(.*?)</desc>', glance.chart)
            child = ChildSection(
                view=shown,
                glance=glance,
                chart=glance.chart.replace('"chart-', f'"chart-{item.item.id}-').replace(
                    " chart-desc", f" chart-{item.item.id}-desc"
                ),
                chart_words=html.unescape(words[1]) if words else "",
                ranked=ranked,
                place=place,
                since=since_last_panel(session, meeting, item.item, weights=weights, now=now),
                indicators=sorted(
                    {
                        i
                        for t in shown.timeline
                        if (now - t.last_seen_at).days <= 365
                        for i in t.indicators
                    }
                ),
            )
        overdue = child.since.overdue if child else overdue_for(session, meeting, item.item, now)
        sections.append(Section(item=item, child=child, overdue=overdue))
    return _templates.get_template("pack.html").render(
        meeting=meeting,
        panel=panel_name(meeting.panel, meeting.area),
        view=view,
        sections=sections,
        partners=version == "partners",
        on_agenda=on_agenda,
        listed=len(ranking),
        marking=MARKING,
        printed_by=viewer.display_name,
        printed_at=now,
        css=(HERE / "pack.css").read_text(encoding="utf-8"),
    )


def render_pack(
    session: Session,
    meeting_id: int,
    *,
    version: Version,
    viewer: UserRecord,
    weights: RankingWeights,
    now: datetime,
) -> bytes:
    """The pack as a PDF; the making of it is audited (which meeting, which version)."""
    from weasyprint import HTML

    html = pack_html(session, meeting_id, version=version, viewer=viewer, weights=weights, now=now)
    audit.record(
        session,
        Actor.of(viewer),
        "generate_panel_pack",
        record_type="panel_meeting",
        record_id=meeting_id,
        now=now,
        version=version,
    )
    pdf: bytes = HTML(string=html, base_url=str(HERE)).write_pdf()
    return pdf


def pack_filename(meeting: PanelMeeting, version: Version) -> str:
    name = "city-panel" if meeting.panel == "city" else f"mase-{(meeting.area or '').lower()}"
    safe = "".join(c if c.isalnum() or c == "-" else "-" for c in name).strip("-")
    suffix = "-partners" if version == "partners" else ""
    return f"{safe}-{meeting.meets_at:%Y-%m-%d}{suffix}.pdf"
