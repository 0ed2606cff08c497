"""The deployed score: plain data (points, bands, calibration, provenance), read at start-up.

Nothing is unpickled: `model.json` is a readable, diffable file, checked against the factors
in code when it loads. Its version is a hash of what decides (points, calibration, bands).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from triage.decisions.models import Score, ScoreFactor
from triage.errors import ModelError
from triage.notification.vocabulary import RiskGrade
from triage.scoring.factors import BY_NAME, FACTORS, Fact, Factor

ARTEFACT = "model.json"
CARD = "MODEL_CARD.md"


@dataclass(frozen=True)
class Band:
    level: RiskGrade
    min_total: int


@dataclass(frozen=True)
class ScoredModel:
    name: str
    label: str
    points: dict[str, dict[str, int]]
    calibration: dict[int, float]
    bands: list[Band]  # highest first
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def version(self) -> str:
        deciding = {"points": self.points, "calibration": self.calibration, "bands": self.bands}
        text = json.dumps(_ADAPTER_PARTS.dump_python(deciding, mode="json"), sort_keys=True)
        return f"{self.name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    def band_of(self, total: int) -> RiskGrade:
        for band in self.bands:
            if total >= band.min_total:
                return band.level
        return RiskGrade.NO_APPARENT_RISK

    def probability(self, total: int) -> float:
        if total in self.calibration:
            return self.calibration[total]
        known = sorted(self.calibration)
        return self.calibration[known[0] if total < known[0] else known[-1]]

    def score(self, fact: Fact) -> Score:
        """Points per factor (which add up to the total), probability, band and version."""
        factors = [cells[factor.level(fact)] for factor, cells in self._cells]
        total = sum(f.points for f in factors)
        return Score(
            model_version=self.version,
            factors=factors,
            total=total,
            probability=round(self.probability(total), 4),
            band=self.band_of(total),
        )

    @cached_property
    def _cells(self) -> list[tuple[Factor, dict[str, ScoreFactor]]]:
        """Each factor's levels as ready-made (immutable) score lines, in the code's order (a
        level an older artefact held under an older name scores that older level's points)."""
        return [
            (
                factor,
                {
                    level: ScoreFactor(
                        factor=factor.name, value=level, points=self.points[factor.name][key]
                    )
                    for level, key in factor.as_in(self.points[factor.name]).items()
                },
            )
            for factor in FACTORS
            if factor.name in self.points
        ]

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = _ADAPTER.dump_python(self, mode="json")
        data["version"] = self.version
        path = folder / ARTEFACT
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> ScoredModel:
        path = folder / ARTEFACT
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{path}: no model artefact here") from None
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path}: not valid JSON ({exc.msg})") from None
        recorded = data.pop("version", None)
        model = _ADAPTER.validate_python(data)
        for name, table in model.points.items():
            if name not in BY_NAME:
                raise ModelError(f"{path}: factor {name!r} is not defined in code")
            try:
                BY_NAME[name].as_in(table)
            except ValueError:
                raise ModelError(
                    f"{path}: factor {name!r} has levels that differ from the code"
                ) from None
        if recorded is not None and recorded != model.version:
            raise ModelError(f"{path}: recorded version {recorded} does not match its content")
        return model


_ADAPTER = TypeAdapter(ScoredModel)
_ADAPTER_PARTS = TypeAdapter(dict[str, Any])
