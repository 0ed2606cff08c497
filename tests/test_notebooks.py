"""Analysts' notebooks: valid notebook JSON, stored without outputs, and every code cell runs, in
order, against the repository as it is (no Jupyter kernel needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(path: Path) -> list[dict[str, Any]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    assert notebook["cells"], path
    return notebook["cells"]


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_there_is_a_model_quality_notebook() -> None:
    assert ROOT / "notebooks" / "model-quality.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_stored_clean(path: Path) -> None:
    for cell in _cells(path):
        assert cell["cell_type"] in {"markdown", "code"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, _source(cell)


def _run(path: Path) -> dict[str, Any]:
    """Every code cell's source, compiled and run in order in one namespace, as a kernel would."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            exec(compile(_source(cell), f"{path.name}, cell {number}", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_compiles_and_runs_in_order(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(path.parent)  # where Jupyter starts a notebook
    _run(path)


def test_the_model_quality_notebook_shows_the_shipped_points_and_bands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # it runs from the repository root too
    namespace = _run(ROOT / "notebooks" / "model-quality.ipynb")
    model, points, bands = namespace["model"], namespace["points"], namespace["bands"]
    assert isinstance(points, pd.DataFrame) and isinstance(bands, pd.DataFrame)
    assert len(points) == sum(len(table) for table in model.points.values())
    assert points.groupby("factor")["points"].min().eq(0).all()
    assert list(bands["band"]) == [band.level.value for band in model.bands]
    score = namespace["score"]
    assert sum(line.points for line in score.factors) == score.total
