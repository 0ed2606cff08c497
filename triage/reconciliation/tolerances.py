"""The match's tolerances, read from `tolerances.toml` beside this module (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from triage.errors import ConfigurationError

DEFAULT_FILE = Path(__file__).with_name("tolerances.toml")


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Hours and a similarity score; see `tolerances.toml` for what each means."""

    start_hours: float = 6.0
    duplicate_call_hours: float = 3.0
    short_episode_hours: float = 24.0
    near_name_similarity: float = 85.0
    near_name_similarity_same_birth: float = 70.0
    margin_hours: float = 48.0


def load(path: Path = DEFAULT_FILE) -> Tolerances:
    """The tolerances in `path`; an unknown key or a value that is not a positive number is
    refused naming the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot be read as TOML ({exc})") from exc
    known = {f.name for f in fields(Tolerances)}
    for key, value in data.items():
        if key not in known:
            raise ConfigurationError(f"{path}: {key}: unknown tolerance (known: {sorted(known)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigurationError(f"{path}: {key}: expected a positive number, got {value!r}")
    return Tolerances(**{key: float(value) for key, value in data.items()})
