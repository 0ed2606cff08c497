"""The analysts' workbench: what a notebook in `notebooks/` starts from.

`open_workbench()` gives a scratch folder with a small synthetic city (or the city in the folder
`TRIAGE_WORKBENCH_CITY` names, e.g. `var/city` from `make city`), a SQLite store there with the
city loaded through the service's own loader, and settings pointing at that store, the
repository's live rules and model, and the city's outcomes. Nothing touches the service's store.

    from triage.analysis.workbench import open_workbench
    bench = open_workbench(vet=True)           # decisions made as the city arrived
    backtest(candidate, settings=bench.settings, outcomes=bench.truth)

`golden_examples` shows a rule's golden examples under the live rules and a candidate: what a
parameter change does to what the rule is meant to do, before any back-test.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from triage.errors import ConfigurationError
from triage.intake import LoadSummary, load_records
from triage.notification.reader import RawRecord, read_records
from triage.rules import RuleEngine, load_ruleset
from triage.rules.book import example_results
from triage.rules.catalogue import PARAM
from triage.settings import Settings, get_settings
from triage.store import Database, create_database
from triage.synth import generate_city, write_city
from triage.vetting.service import Vetter

ENV = "TRIAGE_WORKBENCH_CITY"
CITY_FILES = ("notifications.jsonl", "truth.csv")


def repository(start: Path | None = None) -> Path:
    """The repository holding `rules/` and `models/`: `start` (default: the working folder, as
    Jupyter starts a notebook in `notebooks/`) or the nearest folder above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "rules").is_dir() and (folder / "models").is_dir():
            return folder
    raise ConfigurationError(f"{here}: no folder holding rules/ and models/ here or above")


def demo_city(out: Path, *, months: int = 4, scale: float = 0.5, seed: int = 7) -> Path:
    """The folder of the city to work on: the one `TRIAGE_WORKBENCH_CITY` names, else a city of
    `months` at `scale` times Birmingham's written to `out`."""
    named = os.environ.get(ENV)
    if named:
        folder = Path(named)
        missing = [name for name in CITY_FILES if not (folder / name).is_file()]
        if missing:
            raise ConfigurationError(f"{ENV}: {folder} holds no {missing[0]} (a synthetic city?)")
        return folder
    write_city(generate_city(months=months, seed=seed, scale=scale), out)
    return out


def live_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings for a scratch store in `folder` (a SQLite file), with the repository's live
    rules and model, and any `overrides`."""
    root = repository()
    return get_settings(
        database_url=f"sqlite:///{folder / 'workbench.db'}",
        rules_dir=root / "rules",
        model_dir=root / "models" / "synthetic-city",
        **overrides,
    )


@dataclass(frozen=True)
class Workbench:
    """A scratch folder, the city in it and settings for its store (see the module)."""

    root: Path
    folder: Path
    city: Path
    settings: Settings
    loaded: LoadSummary
    arrivals: Path | None = None  # the city's last records, held back to feed later

    @property
    def notifications(self) -> Path:
        return self.city / "notifications.jsonl"

    @property
    def truth(self) -> Path:
        return self.city / "truth.csv"

    @property
    def rules_dir(self) -> Path:
        return self.settings.rules_dir

    def database(self) -> Database:
        return create_database(self.settings)


def open_workbench(
    *,
    months: int = 4,
    scale: float = 0.5,
    seed: int = 7,
    vet: bool = False,
    as_sent: bool = False,
    hold_back: int = 0,
    secret_key: str | None = None,
) -> Workbench:
    """A new workbench (see the module). `vet`: decide each notification with the live rules
    and model as it is loaded (all received now). `as_sent`: the same, but the city taken an
    hour at a time as police sent it, each hour's records received at that hour's last sending,
    as the service would have lived it (slower: for review times against deadlines).
    `hold_back`: keep the city's last records out of the store, in `arrivals`, to feed later.
    `secret_key`: the service's key, for pseudonyms that last beyond this run."""
    root = repository()
    folder = Path(tempfile.mkdtemp(prefix="triage-workbench-"))
    city = demo_city(folder / "city", months=months, scale=scale, seed=seed)
    settings = live_settings(
        folder,
        outcomes_file=city / "truth.csv",
        **({"secret_key": secret_key} if secret_key else {}),
    )
    records = list(read_records(city / "notifications.jsonl"))
    kept = records[: len(records) - hold_back] if hold_back else records
    arrivals = None
    if hold_back:
        arrivals = folder / "arrivals.jsonl"
        arrivals.write_text("".join(r.raw + "\n" for r in records[len(kept) :]), "utf-8")
    database, engine = create_database(settings), RuleEngine()
    try:
        vetter = _vetter(settings, engine) if vet or as_sent else None
        if as_sent:
            loaded = LoadSummary()
            for hour, received in by_hour(kept):
                part = load_records(database, hour, clock=_at(received), vetter=vetter)
                loaded.counts.update(part.counts)
                loaded.bytes_read += part.bytes_read
        else:
            loaded = load_records(database, kept, vetter=vetter)
    finally:
        database.dispose()
        engine.close()
    return Workbench(root, folder, city, settings, loaded, arrivals)


def by_hour(records: list[RawRecord]) -> Iterator[tuple[list[RawRecord], datetime]]:
    """Consecutive records grouped by the hour police sent them in, each group with its last
    sending (a record whose sending cannot be read joins the group it falls in)."""

    def sent(record: RawRecord) -> datetime | None:
        try:
            return datetime.fromisoformat(str((record.payload or {})["sent_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    hour: Any = None
    groups: list[tuple[Any, list[RawRecord]]] = []
    for record in records:
        moment = sent(record)
        hour = moment.replace(minute=0, second=0, microsecond=0) if moment else hour
        if not groups or groups[-1][0] != hour:
            groups.append((hour, []))
        groups[-1][1].append(record)
    for _hour, group in groups:
        moments = [m for m in map(sent, group) if m is not None]
        if moments:
            yield group, max(moments)


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _vetter(settings: Settings, engine: RuleEngine) -> Vetter:
    from triage.vetting import create_vetter  # vetting reads the store's history

    return create_vetter(settings, engine)


def feed(bench: Workbench, path: Path | None = None) -> LoadSummary:
    """Notifications arriving now (default: the records held back), taken and vetted by the
    service's intake with the live rules and model."""
    source = path or bench.arrivals
    if source is None:
        raise ConfigurationError("feed: no file given and no records were held back")
    database, engine = bench.database(), RuleEngine()
    try:
        return load_records(database, read_records(source), vetter=_vetter(bench.settings, engine))
    finally:
        database.dispose()
        engine.close()


def rules_using(rules_dir: Path, parameter: str) -> list[str]:
    """The ids of the rules whose files name `parameter` (`{$param: name}`)."""
    found = []
    for rule in load_ruleset(rules_dir).rules:
        if _names(yaml.safe_load(Path(rule.path).read_text(encoding="utf-8")), parameter):
            found.append(rule.id)
    return found


def _names(node: Any, parameter: str) -> bool:
    if isinstance(node, dict):
        return node.get(PARAM) == parameter or any(_names(v, parameter) for v in node.values())
    if isinstance(node, list):
        return any(_names(v, parameter) for v in node)
    return False


def golden_examples(live: Path, candidate: Path, rules: list[str]) -> pd.DataFrame:
    """Each golden example of `rules` run through the real engine under the live rules folder
    and the candidate: what it is meant to do, and whether each side does it."""
    engine = RuleEngine()
    try:
        sides = {
            side: {
                (r.rule.id, r.kind, r.number): r
                for r in example_results(load_ruleset(folder), engine)
                if r.rule.id in rules
            }
            for side, folder in (("live", live), ("candidate", candidate))
        }
    finally:
        engine.close()
    rows = []
    for key, result in sides["live"].items():
        other = sides["candidate"].get(key)
        rows.append(
            {
                "rule": result.rule.id,
                "example": ", ".join(f"{k}: {v}" for k, v in result.changes.items()),
                "should": "fire" if result.kind == "fires" else "not fire",
                "live": "passes" if result.passes else "fails",
                "candidate": "-" if other is None else ("passes" if other.passes else "fails"),
            }
        )
    return pd.DataFrame(rows, columns=["rule", "example", "should", "live", "candidate"])
