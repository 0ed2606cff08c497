"""The model card: what the model is, what it learnt from, how good it is, and for whom."""

from __future__ import annotations

import math
from typing import Any

from triage.scoring.factors import FACTORS
from triage.scoring.model import ScoredModel

# The goals the card reports against (from the scored-model issue).
AUC_SHARE_OF_TRUTH = 0.97
CALIBRATION_GAP_PP = 2.0
# The names the training step gives the reference models in the quality table.
GROUND_TRUTH = "ground truth (the best possible)"
BOOSTED = "gradient boosting (reference)"


def render(model: ScoredModel) -> str:
    p, m = model.provenance, model.metrics
    lines = [
        f"# Model card: {model.name}",
        "",
        f"Version `{model.version}`. An additive points score: each factor adds whole points;",
        "bands of the total map to the same four levels police use. The vetted level is the",
        "higher of the rules' floor and the score's band, so the score can raise a level but",
        'never lower one, and a police "high" is never lowered.',
        "",
    ]
    if p.get("synthetic_data"):
        lines += [
            "> **Trained on synthetic data.** It shows how the score works; its points mean",
            "> nothing about real children. Retrain on local data (`triage train`) and review",
            "> this card before any real use.",
            "",
        ]
    lines += _provenance(model)
    lines += _points(model)
    lines += _bands(model)
    if m:
        lines += _quality(m)
        lines += _calibration(m)
        lines += _fairness(m)
    return "\n".join(lines) + "\n"


def _provenance(model: ScoredModel) -> list[str]:
    p = model.provenance
    libraries = ", ".join(f"{k} {v}" for k, v in sorted(p.get("libraries", {}).items()))
    return [
        "## What it was trained on",
        "",
        f"- Outcome label: `{model.label}`",
        f"- Data: `{p.get('trained_on')}` (SHA-256 `{p.get('data_sha256')}`)",
        f"- Trained: {p.get('trained_at')}, seed {p.get('seed')}, L2 strength C={p.get('C')},"
        f" {p.get('log_odds_per_point')} log-odds a point",
        f"- Code: triage {p.get('code_version')} (commit {p.get('git_commit')}),"
        f" Python {p.get('python')}, {libraries}",
        "- Never factors: sex, ethnicity, names, dates of birth, addresses (kept only to monitor"
        " fairness).",
        "",
    ]


def _points(model: ScoredModel) -> list[str]:
    lines = ["## Points", "", "| factor | meaning | level | points |", "|---|---|---|---|"]
    for factor in FACTORS:
        table = model.points.get(factor.name, {})
        for level in factor.levels:
            if level in table:
                lines.append(f"| {factor.name} | {factor.meaning} | {level} | {table[level]} |")
    return [*lines, ""]


def _bands(model: ScoredModel) -> list[str]:
    lines = ["## Bands", ""]
    policy = model.metrics.get("band_policy", {})
    for band in model.bands:
        share = policy.get(band.level.value)
        why = f" (chosen so about {share:.0%} of training notifications reach it)" if share else ""
        lines.append(f"- **{band.level.value}**: total of {band.min_total} or more{why}")
    lines += ["- **no_apparent_risk**: below the lowest band", ""]
    return lines


def _quality(m: dict[str, Any]) -> list[str]:
    split = m["split"]
    lines = ["## Quality on later cases (time-ordered split, not random)", ""]
    if split.get("warm_up"):
        lines += [
            f"The earliest {split['warm_up']} episodes (before {split['train_from']}) are history"
            " only: history features look back a year, so early episodes would see less of a"
            " child's past than later ones. They neither train nor test the model.",
            "",
        ]
    lines += [
        f"Trained on the next {split['train']} episodes (to {split['train_until']}), tested"
        f" on the latest {split['test']}. Outcome rate: {split['outcome_rate_train']:.1%} in"
        f" training, {split['outcome_rate_test']:.1%} in testing.",
        "",
        "| model | AUC | Brier |",
        "|---|---|---|",
    ]
    lines += [f"| {q['name']} | {q['auc']:.3f} | {q['brier']:.4f} |" for q in m["quality"]]
    by_name = {q["name"]: q for q in m["quality"]}
    points = by_name["points score"]["auc"]
    truth = by_name.get(GROUND_TRUTH)
    if truth:
        share = points / truth["auc"]
        met = "meets" if share >= AUC_SHARE_OF_TRUTH else "does not meet"
        lines += [
            "",
            "The ground truth is the synthetic city's own probability of the outcome for each"
            " episode: everything knowable about it, the child's hidden state included, with the"
            " episode's luck (chance that no one could know) averaged out. No model of the"
            " notifications can rank better, except by chance.",
            "",
            f"The points score reaches {share:.1%} of the ground truth's AUC: it {met} the goal"
            f" of {AUC_SHARE_OF_TRUTH:.0%}.",
        ]
    boosted = by_name.get(BOOSTED)
    if boosted:
        lines += [
            "",
            f"It reaches {points / boosted['auc']:.1%} of the AUC of gradient boosting on every"
            " fact the notification and its history carry (unbinned, free to combine them): the"
            " best model of what can be seen, as a reference for what the simple score gives up.",
        ]
    return [*lines, ""]


def _calibration(m: dict[str, Any]) -> list[str]:
    rows = m["calibration_by_band"]
    known = any(row.get("true_risk") is not None for row in rows)
    lines = [
        "## Calibration and reach by band (test cases)",
        "",
        "| band | cases | share | predicted | observed | gap (points) | sampling margin (95%)"
        + (" | mean true risk" if known else "")
        + " | outcomes caught |",
        "|---|---|---|---|---|---|---|" + ("---|" if known else "") + "---|",
    ]
    worst = 0.0
    for row in rows:
        worst = max(worst, row["gap_pp"]) if row["count"] else worst
        p, n = row["predicted"], row["count"]
        margin = f"{196 * math.sqrt(p * (1 - p) / n):.1f}" if n else "n/a"
        truth = f" {_rate(row.get('true_risk'))} |" if known else ""
        lines.append(
            f"| {row['band']} | {row['count']} | {row['share']:.1%} | {row['predicted']:.1%} |"
            f" {row['observed']:.1%} | {row['gap_pp']:.1f} | ±{margin} |{truth}"
            f" {row['outcomes_caught']:.1%} |"
        )
    met = "meets" if worst <= CALIBRATION_GAP_PP else "does not meet"
    lines += [
        "",
        f"Largest gap between predicted and observed in a band: {worst:.1f} points; it {met}"
        f" the goal of {CALIBRATION_GAP_PP:.0f} points in every band. The sampling margin is how"
        " far the observed rate would stray by chance alone, 19 times in 20, if the predictions"
        " were exactly right.",
    ]
    if known:
        lines += [
            "The mean true risk (synthetic data only) is what the observed rate would be without"
            " that chance: predicted against it is the calibration error itself.",
        ]
    return [*lines, ""]


def _fairness(m: dict[str, Any]) -> list[str]:
    everyone = m["everyone"]
    lines = [
        "## Fairness (test cases, at the high band)",
        "",
        "| group | cases | flagged high | false positive rate | false negative rate |"
        " predicted | observed |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in [everyone, *m["fairness"]]:
        name = "everyone" if row["kind"] == "everyone" else f"{row['kind']}: {row['group']}"
        cells = [
            name,
            str(row["count"]),
            f"{row['flagged_high']:.1%}",
            _rate(row["false_positive_rate"]),
            _rate(row["false_negative_rate"]),
            f"{row['predicted']:.1%}",
            f"{row['observed']:.1%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    findings = m.get("fairness_findings", [])
    lines += ["", "### Differences over 5 points", ""]
    lines += [f"- {finding}" for finding in findings] or ["- None: every group is within 5 points."]
    return [*lines, ""]


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
