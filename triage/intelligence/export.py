"""The places and groups views as CSV, from the same models the API answers (so an export
follows the same disclosure rules as the view: an analyst's holds districts only, with the
suppressed cells as "fewer than 5" or "withheld"). A cell that a spreadsheet would read as a
formula (=, +, -, @ first) is written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from triage.intelligence.disclosure import COLUMNS
from triage.intelligence.schemas import GroupsOut, PlacesOut

PLACE_COLUMNS = (
    "rank",
    "place",
    "district",
    "episodes",
    "children",
    "exploitation",
    "last_named_at",
    "recent",
    "before",
    "trend",
    "status",
    "note",
    "child_ids",
)
DISTRICT_COLUMNS = ("district", *COLUMNS, "trend")
GROUP_COLUMNS = (
    "group",
    "child_id",
    "name",
    "level",
    "indicators",
    "review_due",
    "joined_since_last_panel",
    "linked_to",
    "group_places",
    "group_first_at",
    "group_last_at",
)


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return out.getvalue()


def places_csv(view: PlacesOut) -> str:
    """Each place ranked, or (analysts) the districts table with its suppressed cells."""
    if view.shown_as == "districts":
        return _csv(
            DISTRICT_COLUMNS,
            (
                [d.district, *(d.cells[c].shown if c in d.cells else "" for c in COLUMNS), d.trend]
                for d in view.districts
            ),
        )
    return _csv(
        PLACE_COLUMNS,
        (
            [
                p.rank,
                p.label,
                p.district,
                p.episodes,
                p.children,
                p.exploitation,
                p.last_at.isoformat(),
                p.recent,
                p.before,
                p.trend,
                p.status,
                p.note or "",
                " ".join(str(c) for c in p.child_ids or ()),
            ]
            for p in view.places
        ),
    )


def groups_csv(view: GroupsOut) -> str:
    """A row per child in each group: their level, indicators, review, and whom they are
    linked to and by what."""
    rows = []
    for g in view.groups:
        places = "; ".join(f"{p.label} ({p.children})" for p in g.places)
        for c in g.children:
            linked = sorted(
                (k.b if k.a == c.child_id else k.a, sorted({e.kind for e in k.evidence}))
                for k in g.links
                if c.child_id in (k.a, k.b)
            )
            rows.append(
                [
                    g.ref,
                    c.child_id,
                    c.name,
                    c.level or "",
                    " ".join(c.indicators),
                    "yes" if c.review_due else "no",
                    "yes" if c.joined_since_last_panel else "no",
                    "; ".join(f"{other} ({', '.join(kinds)})" for other, kinds in linked),
                    places,
                    g.first_at.isoformat(),
                    g.last_at.isoformat(),
                ]
            )
    return _csv(GROUP_COLUMNS, rows)
