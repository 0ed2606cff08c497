"""Training the points score and reading its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from triage.cli.common import app, console, fail
from triage.errors import TriageError


@app.command()
def train(
    data: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, help="A folder holding notifications.jsonl and truth.csv"
        ),
    ],
    out: Annotated[Path, typer.Option(help="The model's folder, e.g. models/NAME")],
    label: Annotated[str, typer.Option(help="The truth.csv column to predict")] = "outcome",
    seed: int = 7,
    allow_uncommitted: Annotated[
        bool,
        typer.Option(
            help="Train from code with uncommitted changes (the card then says so, loudly)"
        ),
    ] = False,
) -> None:
    """Train the points score on a labelled history; write the artefact and its model card.
    Refuses code with uncommitted changes: a model must be traceable to the commit it names."""
    from triage.scoring import card
    from triage.scoring.examples import load_training_data
    from triage.scoring.model import CARD, ScoredModel
    from triage.scoring.training import code_state
    from triage.scoring.training import train as fit

    if code_state()["uncommitted_changes"] and not allow_uncommitted:
        raise fail(
            "the code has uncommitted changes (triage/, rules/ or pyproject.toml): commit them"
            " first, so the card names the commit that made the model, or pass"
            " --allow-uncommitted for a trial model that must not be deployed"
        )
    with console.status("loading the history and building facts"):
        history = load_training_data(data, label=label)
    with console.status(f"training on {len(history.facts)} decisions"):
        model = fit(history, name=out.name, label=label, seed=seed)
    artefact = model.save(out)
    # The card is rendered from the artefact as saved, so `triage model-card` prints the same.
    (out / CARD).write_text(card.render(ScoredModel.load(out)), encoding="utf-8")
    console.print(f"wrote {artefact} and {out / CARD} (version {model.version})")
    for quality in model.metrics["quality"]:
        console.print(
            f"  {quality['name']}: AUC {quality['auc']:.3f}, Brier {quality['brier']:.4f}"
        )


@app.command("model-card")
def model_card(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    evaluate: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            file_okay=False,
            help="Judge the model afresh on this labelled history (notifications.jsonl and"
            " truth.csv), e.g. a synthetic city it never saw, instead of its stored figures",
        ),
    ] = None,
    label: Annotated[str, typer.Option(help="The truth.csv column to judge against")] = "outcome",
) -> None:
    """Print a model's card: what it is, its data, versions and measured quality."""
    import dataclasses

    from triage.scoring import card
    from triage.scoring.examples import load_training_data
    from triage.scoring.model import ScoredModel
    from triage.scoring.training import evaluate as judge

    try:
        model = ScoredModel.load(folder)
    except TriageError as exc:
        raise fail(str(exc)) from None
    if evaluate is not None:
        with console.status(f"judging {model.version} on {evaluate}"):
            history = load_training_data(evaluate, label=label)
            metrics = {**model.metrics, **judge(model, history)}
        model = dataclasses.replace(model, metrics=metrics)
    print(card.render(model))
