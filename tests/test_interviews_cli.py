"""`triage interviews plan|list`: the service's pass by hand, and the tasks it made."""

from __future__ import annotations

from pathlib import Path

from test_cli import run, write_jsonl  # noqa: F401  (a fixture)

from factories import notification


def test_a_loaded_return_gets_its_task_by_hand_and_again_nothing(run, tmp_path: Path) -> None:  # noqa: F811
    run("load", str(write_jsonl(tmp_path / "in.jsonl", [notification(reference="CLI-RHI")])))
    assert "1 made" in run("interviews", "plan")
    assert "0 made, 0 episodes joined an open interview, 0 deadlines moved" in run(
        "interviews", "plan"
    )
    listing = run("interviews", "list", "--team", "South")
    assert "Interview tasks: 1" in listing and "open" in listing
