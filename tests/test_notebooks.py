"""Analysts' notebooks: valid notebook JSON, stored without outputs, and each run top to bottom
by nbclient in a real Jupyter kernel (the `python3` kernel of the environment's ipykernel, on
the interpreter running the tests), started in `notebooks/` as Jupyter starts it. After the
last cell, a probe cell run in the same kernel prints what the notebook found as JSON, and the
test checks it: each notebook must answer its question, not only run."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 180  # seconds; each notebook takes a few on an idle 2-core machine
PROBED = "probe:"


def _book(path: Path) -> nbformat.NotebookNode:
    book = nbformat.read(path, as_version=4)
    assert book["nbformat"] == 4
    assert book.cells, path
    return book


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_the_workbench_notebooks_are_there() -> None:
    names = {path.name for path in NOTEBOOKS}
    assert set(PROBES) == names, "every notebook needs a probe here, and every probe a notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_stored_clean(path: Path) -> None:
    for cell in _book(path).cells:
        assert cell["cell_type"] in {"markdown", "code"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, _source(cell)
    assert _book(path).cells[0]["cell_type"] == "markdown", "a notebook starts by saying what for"


def _run(path: Path, probe: str) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """Run every cell in a new kernel, then `probe` (an expression over the notebook's
    variables, giving a JSON-able value), and return the run notebook and the probe's value."""
    book = _book(path)
    book.cells.append(
        nbformat.v4.new_code_cell(
            "import json as _json, sys as _sys\n"
            "from triage.scoring.factors import FACTORS as _FACTORS\n"
            f"print({PROBED!r} + _json.dumps({{'prefix': _sys.prefix, 'found': ({probe})}},"
            f" default=str))"
        )
    )
    NotebookClient(
        book,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    printed = "".join(
        output.get("text", "")
        for output in book.cells[-1].outputs
        if output.get("output_type") == "stream"
    )
    line = next(line for line in printed.splitlines() if line.startswith(PROBED))
    answer = json.loads(line.removeprefix(PROBED))
    assert answer["prefix"] == sys.prefix, "the kernel must run in the project's environment"
    return book, answer["found"]


def _check_tune(found: dict[str, Any]) -> None:
    assert found["affected"] == ["R13"]
    assert {row["candidate"] for row in found["examples"]} == {"passes"}
    too_far = {row["example"]: row["candidate"] for row in found["too_far"]}
    assert too_far == {"hours_missing: 30.5": "fails", "hours_missing: 24": "passes"}
    matrix = found["transitions"]  # live level by candidate level, lowest first
    assert sum(matrix[i][j] for i in range(4) for j in range(i + 1, 4)) == 0  # nothing rises
    lowered = sum(matrix[i][j] for i in range(4) for j in range(i))
    assert lowered > 0 and found["r13_change"] < 0
    assert found["decisions"] == sum(map(sum, matrix))


def _check_sizing(found: dict[str, Any]) -> None:
    episodes = found["reclassified"]
    assert found["extra_missing_episodes"] == episodes["candidate"] - episodes["live"] > 0
    assert found["extra_interviews"] == found["rhi_change"] > 0
    assert found["negative_cells"] == 0  # the switch only adds missing episodes
    assert found["off_diagonal"] == 0  # a classification changes, never a level
    assert found["grid_total"] == found["extra_interviews"]


def _check_shadow(found: dict[str, Any]) -> None:
    assert found["status"] == "stopped"
    assert found["arrived"] == 60
    assert found["decisions"] == found["followed"] > 0
    assert found["candidate_ruleset"] == found["run_ruleset"] != found["live_ruleset"]
    assert found["candidate_model"] == found["live_model"] != ""
    assert found["reclassified"]["candidate"] >= found["reclassified"]["live"]


def _check_monitoring(found: dict[str, Any]) -> None:
    made = found["made"]
    assert found["reviewed"] == made["reviewed"] > 100
    assert found["overridden"] == made["raised"] + made["lowered"] > 0
    assert found["workers"] == 2
    assert found["known"] == found["calibrated_known"] > 0
    assert set(found["groups"]) >= {"sex", "ethnicity", "age_band", "looked_after", "area"}
    assert isinstance(found["findings"], list)


def _check_retrain(found: dict[str, Any]) -> None:
    assert found["columns"] == ["shipped", "retrained"]
    assert found["versions"][0] != found["versions"][1]
    assert found["test_episodes"] > 50
    assert 0.5 < found["auc"] < 1 and found["shipped_auc"] > 0.8
    assert found["points_rows"] == found["levels"]


def _check_backtest(found: dict[str, Any]) -> None:
    episodes = found["reclassified"]
    assert episodes["candidate"] > episodes["live"]
    assert found["off_diagonal"] == 0
    assert found["rhi_change"] > 0


def _check_model_quality(found: dict[str, Any]) -> None:
    assert found["points_rows"] == found["levels"]
    assert found["lowest_levels_earn_nothing"]
    assert found["bands"] == found["model_bands"]
    assert found["score_adds_up"]


TRANSITIONS = "result.transitions.to_numpy().tolist()"
PROBES: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "tune-a-rule.ipynb": (
        "{'affected': affected, 'examples': examples.to_dict('records'),"
        " 'too_far': golden_examples(bench.rules_dir, too_far, affected).to_dict('records'),"
        f" 'transitions': {TRANSITIONS},"
        " 'r13_change': int(result.rules.set_index('rule').loc['R13', 'change']),"
        " 'decisions': result.summary['decisions']}",
        _check_tune,
    ),
    "size-a-policy-change.ipynb": (
        "{'reclassified': s['episodes_reclassified_as_missing'],"
        " 'extra_missing_episodes': int(totals['extra_missing_episodes']),"
        " 'extra_interviews': int(totals['extra_interviews']),"
        " 'rhi_change': int(result.workload_totals.set_index('action')"
        ".loc['Return home interview', 'change']),"
        " 'negative_cells': int((sizing[['extra_missing_episodes', 'extra_interviews']] < 0)"
        ".sum().sum()),"
        " 'off_diagonal': int(result.transitions.to_numpy().sum()"
        " - result.transitions.to_numpy().trace()),"
        " 'grid_total': int(interviews.to_numpy().sum())}",
        _check_sizing,
    ),
    "shadow-review.ipynb": (
        "{'status': status, 'arrived': arrived.total, 'followed': followed,"
        " 'decisions': report.summary['decisions'],"
        " 'candidate_ruleset': report.candidate_ruleset, 'run_ruleset': run.ruleset_version,"
        " 'live_ruleset': report.live_ruleset, 'candidate_model': report.candidate_model,"
        " 'live_model': report.live_model,"
        " 'reclassified': report.summary['episodes_reclassified_as_missing']}",
        _check_shadow,
    ),
    "monitoring.ipynb": (
        "{'made': {'reviewed': made.reviewed, 'raised': made.raised, 'lowered': made.lowered},"
        " 'reviewed': seen.reviewed, 'overridden': seen.overridden,"
        " 'workers': len(seen.overrides['worker']),"
        " 'known': seen.outcome_counts()['known'],"
        " 'calibrated_known': int(seen.calibration['known'].sum()),"
        " 'groups': sorted(set(seen.fairness['feature'])), 'findings': findings}",
        _check_monitoring,
    ),
    "retrain-the-score.ipynb": (
        "{'columns': list(cards.columns), 'versions': [shipped.version, retrained.version],"
        " 'test_episodes': retrained.metrics['split']['test_episodes'],"
        " 'auc': cards.loc[('quality', 'points score: auc'), 'retrained'],"
        " 'shipped_auc': cards.loc[('quality', 'points score: auc'), 'shipped'],"
        " 'points_rows': len(points),"
        " 'levels': sum(len(f.levels) for f in _FACTORS)}",
        _check_retrain,
    ),
    "backtest.ipynb": (
        "{'reclassified': result.summary['episodes_reclassified_as_missing'],"
        " 'off_diagonal': int(result.transitions.to_numpy().sum()"
        " - result.transitions.to_numpy().trace()),"
        " 'rhi_change': int(interviews.to_numpy().sum())}",
        _check_backtest,
    ),
    "model-quality.ipynb": (
        "{'points_rows': len(points), 'levels': sum(len(f.levels) for f in _FACTORS),"
        " 'lowest_levels_earn_nothing': bool(points.groupby('factor')['points'].min().eq(0)"
        ".all()),"
        " 'bands': list(bands['band']), 'model_bands': [b.level.value for b in model.bands],"
        " 'score_adds_up': sum(line.points for line in score.factors) == score.total}",
        _check_model_quality,
    ),
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_runs_top_to_bottom_and_answers_its_question(
    path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRIAGE_WORKBENCH_CITY", raising=False)  # each makes its own city
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # its scratch folders, cleaned up by pytest
    # One thread per kernel for the numeric libraries: on a 2-core machine running tests,
    # OpenMP's thread per core makes gradient boosting many times slower, not faster.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    probe, check = PROBES[path.name]
    book, found = _run(path, probe)
    last = next(cell for cell in reversed(book.cells[:-1]) if cell["cell_type"] == "code")
    assert last.outputs, f"{path.name}: its last cell shows nothing"
    check(found)
