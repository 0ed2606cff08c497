"""`triage intelligence places|groups`: the hotspot table and the groups of children who go
missing together, as the API and the pages show them to a role (audited as the console)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database

if TYPE_CHECKING:
    from triage.audit import Actor
    from triage.intelligence.hotspots import Order

intelligence_app = typer.Typer(no_args_is_help=True, help="Places and groups of children.")
app.add_typer(intelligence_app, name="intelligence")
ROLE_HELP = "See as this role (panel_chair: names; analyst: districts, small counts suppressed)"


def _actor(role: str) -> Actor:
    from triage.accounts.roles import Role
    from triage.audit import Actor

    try:
        return Actor(user_id=None, username="console", role=Role(role).value)
    except ValueError:
        raise fail(
            f"--as-role: {role!r} is not a role; choose one of " + ", ".join(r.value for r in Role)
        ) from None


@intelligence_app.command("places")
def places(
    area: Annotated[
        str | None, typer.Option(help="An area team, e.g. East (the city if none)")
    ] = None,
    order: Annotated[
        str, typer.Option(help="episodes, children, exploitation or recency")
    ] = "episodes",
    limit: Annotated[int, typer.Option(min=1, max=10000, help="Places to print")] = 30,
    as_role: Annotated[str, typer.Option("--as-role", help=ROLE_HELP)] = "panel_chair",
) -> None:
    """Places ranked as hotspots with their trend (an analyst's view: the districts table)."""
    from triage.errors import TriageError
    from triage.http.problems import ProblemException
    from triage.intelligence.hotspots import ORDERS
    from triage.intelligence.views import Asked, places_view
    from triage.rules.catalogue import load_ruleset
    from triage.settings import get_settings

    if order not in ORDERS:
        raise fail(f"--order: {order!r}: choose one of " + ", ".join(ORDERS))
    actor = _actor(as_role)
    teams = set(load_ruleset(get_settings().rules_dir).teams.values())
    database = open_database()
    try:
        with database.transaction() as session:
            view = places_view(
                session,
                viewer=actor,
                now=datetime.now(UTC),
                asked=Asked(area=area, order=cast("Order", order), limit=limit),
                areas=teams,
            )
    except TriageError as exc:
        raise fail(f"--{exc}") from None
    except ProblemException as exc:
        raise fail(f"--as-role: {exc.detail}") from None
    finally:
        database.dispose()
    if view.shown_as == "districts":
        table = Table(title="Episodes by postcode district (counts under 5 suppressed)")
        columns = ("before", "recent", "episodes", "children", "exploitation")
        for column in ("district", *columns, "trend"):
            table.add_column(column)
        for d in view.districts:
            table.add_row(
                d.district, *(d.cells[c].shown if c in d.cells else "" for c in columns), d.trend
            )
    else:
        where = f"the {view.area} area" if view.area else "the city"
        table = Table(
            title=f"Hotspots in {where}: {view.total} places (showing {len(view.places)})"
        )
        for column in (
            "rank", "place", "district", "episodes", "children", "exploitation",
            "last named", "trend", "status", "ref",
        ):  # fmt: skip
            table.add_column(column)
        for p in view.places:
            table.add_row(
                str(p.rank), p.label, p.district, str(p.episodes), str(p.children),
                str(p.exploitation), f"{p.last_at:%Y-%m-%d}", f"{p.trend} ({p.recent}/{p.before})",
                p.status, p.ref,
            )  # fmt: skip
    console.print(table)


@intelligence_app.command("groups")
def groups(
    as_role: Annotated[str, typer.Option("--as-role", help=ROLE_HELP)] = "panel_chair",
) -> None:
    """Groups of children who go missing together: each child, their level and indicators,
    the group's links and what changed since the last panel."""
    from triage.http.problems import ProblemException
    from triage.intelligence.views import groups_view

    actor = _actor(as_role)
    database = open_database()
    try:
        with database.transaction() as session:
            view = groups_view(session, viewer=actor, now=datetime.now(UTC))
    except ProblemException as exc:
        raise fail(f"--as-role: {exc.detail}") from None
    finally:
        database.dispose()
    since = (
        f", since {view.last_panel.name} on {view.last_panel.meets_at:%Y-%m-%d}"
        if view.last_panel
        else ""
    )
    table = Table(title=f"Groups: {view.total}{since}")
    for column in ("group", "child", "name", "level", "indicators", "review due", "new", "links"):
        table.add_column(column)
    for g in view.groups:
        for c in g.children:
            links = sum(1 for k in g.links if c.child_id in (k.a, k.b))
            table.add_row(
                g.ref, str(c.child_id), c.name, c.level or "-", ", ".join(c.indicators) or "-",
                "yes" if c.review_due else "no", "yes" if c.joined_since_last_panel else "",
                str(links),
            )  # fmt: skip
        table.add_section()
    console.print(table)
