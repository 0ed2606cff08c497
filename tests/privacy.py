"""What tests submitted that must never be logged: names, dates of birth, postcodes, free text.

Factories and fixtures register every payload they make (`submitted`); the suite keeps every
line the service logged, at every level (conftest), and fails if any of these values is in one.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

_CHILD = ("given_name", "family_name", "home_postcode", "placement_postcode")
_EPISODE = ("last_seen_location", "return_location", "circumstances")
_SHORTEST = 3  # shorter values ("Al") would match inside ordinary words

SUBMITTED: set[str] = set()


def personal_values(payload: Mapping[str, Any]) -> set[str]:
    """The personal values of one notification payload, as a log line could spell them."""
    child = payload.get("child")
    episode = payload.get("episode")
    child = child if isinstance(child, Mapping) else {}
    episode = episode if isinstance(episode, Mapping) else {}
    values = {child.get(key) for key in _CHILD} | {episode.get(key) for key in _EPISODE}
    for companion in episode.get("companions") or []:
        if isinstance(companion, Mapping):
            values |= {companion.get("given_name"), companion.get("family_name")}
    born = child.get("date_of_birth")
    if isinstance(born, str):
        values.add(born)
        with contextlib.suppress(ValueError):
            values.add(date.fromisoformat(born).strftime("%d/%m/%Y"))
    return {v for v in values if isinstance(v, str) and len(v.strip()) >= _SHORTEST}


def submitted(payloads: Iterable[Any]) -> None:
    for payload in payloads:
        if isinstance(payload, Mapping):
            SUBMITTED.update(personal_values(payload))


def leaks(lines: Iterable[str], values: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(value, line) for every line that holds a registered value as a whole word, spelt as it
    was submitted (case matters: "Ward" the name, not "ward" the word; the synthetic city's own
    misspellings and capitals are registered as they were sent)."""
    wanted = sorted(set(values) or SUBMITTED, key=len, reverse=True)
    if not wanted:
        return []
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(v) for v in wanted) + r")(?!\w)")
    return [(m.group(1), line) for line in lines for m in [pattern.search(line)] if m]
