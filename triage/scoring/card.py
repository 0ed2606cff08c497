"""The model card: what the model is, what it learnt from, how good it is, and for whom."""

from __future__ import annotations

import math
from typing import Any

from triage.scoring.factors import FACTORS, STILL_MISSING
from triage.scoring.model import ScoredModel

# The goals the card reports against (from the scored-model issue).
AUC_SHARE_OF_TRUTH = 0.97
AUC_SHARE_OF_BOOSTED = 0.98
FAIRNESS_MINIMUM = 30  # decisions in a group before its error rates are judged
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
        *(
            [
                "- **Trained from uncommitted code**: the commit above does not hold the code"
                " that made this model. Do not deploy it; retrain from a clean commit."
            ]
            if p.get("uncommitted_changes")
            else []
        ),
        "- Never factors: sex, ethnicity, names, dates of birth, addresses (kept only to monitor"
        " fairness).",
        "",
    ]


def _points(model: ScoredModel) -> list[str]:
    missing = model.points.get("still_missing", {})
    split = len(missing) == len(STILL_MISSING)  # an older model has one level for "yes"
    lines = [
        "## Points",
        "",
        "Each factor's points move one way along its levels, by constraint in fitting: they",
        "never fall as the count it measures rises (never rise as the days since the last",
        *(
            [
                "episode rise); still missing never scores below returned, and past a day never",
                "above under a day; age, legal status and classification are free.",
            ]
            if split
            else [
                "episode rise); still missing never scores below returned; age, legal status and",
                "classification are free.",
            ]
        ),
        "",
        "| factor | meaning | level | points |",
        "|---|---|---|---|",
    ]
    for factor in FACTORS:
        table = model.points.get(factor.name, {})
        keys = factor.as_in(table) if table else {}
        for level in dict.fromkeys(keys[own] for own in factor.levels if own in keys):
            if level in table:
                lines.append(f"| {factor.name} | {factor.meaning} | {level} | {table[level]} |")
    idle = [
        f.name for f in FACTORS if f.name in model.points and not any(model.points[f.name].values())
    ]
    if idle:
        lines += [
            "",
            f"Scoring nothing at any level: {', '.join(idle)}. In this data they add nothing"
            " beyond the other factors (recent episodes carry what days since the last one"
            " would); the constraint keeps them at zero rather than giving points that run"
            " against the risk they measure. They stay, so a retrain on local data can weigh"
            " them.",
        ]
    if split:
        returned, past_a_day, under_a_day = (missing[level] for level in STILL_MISSING)
        lines += [
            "",
            f"Still missing scores {under_a_day} under a day and {past_a_day} past a day"
            f" ({returned} once returned). Under a day, still missing stands for the hours yet"
            " to come, which hours missing so far cannot show; past a day, hours missing"
            " (24 to 72, 72 or more) already counts them. So the re-vets at 24 and 72 hours"
            " are not scored as if the child had only just gone: with one level for still"
            " missing, their totals ran about 2 points above their risk.",
        ]
    return [*lines, ""]


def _bands(model: ScoredModel) -> list[str]:
    lines = ["## Bands", ""]
    policy = model.metrics.get("band_policy", {})
    for band in model.bands:
        share = policy.get(band.level.value)
        why = f" (chosen so about {share:.0%} of training notifications reach it)" if share else ""
        lines.append(f"- **{band.level.value}**: total of {band.min_total} or more{why}")
    lines += ["- **no_apparent_risk**: below the lowest band", ""]
    method = model.metrics.get("calibration_method")
    if method:
        low, high = min(model.calibration.values()), max(model.calibration.values())
        lines += [
            f"Probability of each total: {method}. The lowest is {low:.1%}, the highest"
            f" {high:.1%}.",
            "",
        ]
    return lines


def _quality(m: dict[str, Any]) -> list[str]:
    split = m["split"]
    lines = ["## Quality at the moment of decision (time-ordered split, not random)", ""]
    if m.get("evaluated_on"):
        lines += [
            f"**Judged afresh on `{m['evaluated_on']}`** (SHA-256"
            f" `{m.get('evaluated_data_sha256')}`), a history it was not trained on: the"
            " figures below are on that history's later decisions, with gradient boosting"
            " fitted on its earlier ones as the reference.",
            "",
        ]
    elif split.get("warm_up"):
        lines += [
            f"The earliest {split['warm_up']} decisions (before {split['train_from']}) are"
            " history only: history features look back a year, so early episodes would see less"
            " of a child's past than later ones. They neither train nor test the model.",
            "",
        ]
    lines += [
        "Every version police sent, and every re-vet as an open episode passed an hours"
        " threshold of the rules, is a decision the service made, judged as of its moment."
        f" Trained on {split['train']} decisions ({split.get('train_episodes', '?')} episodes,"
        f" to {split['train_until']}), tested on the latest {split['test']}"
        f" ({split.get('test_episodes', '?')} episodes). Outcome rate at the first"
        f" notification: {split['outcome_rate_train']:.1%} in training,"
        f" {split['outcome_rate_test']:.1%} in testing.",
        "",
    ]
    moments = m.get("moments") or {"first notification": {"quality": m["quality"]}}
    for moment, judged in moments.items():
        if not judged.get("quality"):
            continue
        lines += [
            f"### {_HEADINGS.get(moment, moment)} ({judged.get('count', '?')} decisions)",
            "",
            "| model | AUC | Brier |",
            "|---|---|---|",
        ]
        for q in judged["quality"]:
            interval = (
                f" ({q['auc_low']:.3f} to {q['auc_high']:.3f})"
                if q.get("auc_low") is not None
                else ""
            )
            lines.append(f"| {q['name']} | {q['auc']:.3f}{interval} | {q['brier']:.4f} |")
        lines += ["", *_shares(judged["quality"]), ""]
    lines += [
        "The ground truth is the synthetic city's own probability of the outcome for each"
        " episode: everything knowable about it, the child's hidden state included, with the"
        " episode's luck averaged out. No model of the notifications can rank better, except by"
        " chance. Gradient boosting is given every fact the notification and its history carry"
        " at the same moment (unbinned, free to combine them): what the simple score gives up"
        " is the gap to it. Intervals are 95%, from resampling the test decisions.",
    ]
    return [*lines, ""]


_HEADINGS = {
    "first notification": "At the first notification",
    "first notification, still missing": "At the first notification, still missing",
    "later versions": "At later versions",
    "re-vets as time passed": "At re-vets as time passed (still missing at 24 or 72 hours)",
    "every decision": "Every decision",
}


def _shares(quality: list[dict[str, Any]]) -> list[str]:
    by_name = {q["name"]: q for q in quality}
    points = by_name["points score"]["auc"]
    said = []
    if truth := by_name.get(GROUND_TRUTH):
        share = points / truth["auc"]
        met = "meets" if share >= AUC_SHARE_OF_TRUTH else "does not meet"
        said.append(
            f"The points score reaches {share:.1%} of the ground truth's AUC: it {met} the goal"
            f" of {AUC_SHARE_OF_TRUTH:.0%}."
        )
    if boosted := by_name.get(BOOSTED):
        share = points / boosted["auc"]
        met = "meets" if share >= AUC_SHARE_OF_BOOSTED else "does not meet"
        said.append(
            f"It reaches {share:.1%} of the AUC of gradient boosting: it {met} the goal of"
            f" {AUC_SHARE_OF_BOOSTED:.0%}."
        )
    return [" ".join(said)] if said else []


def _calibration(m: dict[str, Any]) -> list[str]:
    moments = m.get("moments") or {
        "first notification": {"calibration_by_band": m["calibration_by_band"]}
    }
    lines = ["## Calibration and reach by band (test decisions)", ""]
    for moment in (
        "first notification",
        "first notification, still missing",
        "later versions",
        "re-vets as time passed",
    ):
        if moment in moments and moments[moment].get("calibration_by_band"):
            lines += _calibration_table(moment, moments[moment]["calibration_by_band"])
    lines += [
        "A band is calibrated when its predicted rate is within 2 points of the observed rate,"
        " or within its sampling margin: how far the observed rate would stray by chance"
        " alone, 19 times in 20, if the prediction were exactly right (wide in a small band).",
    ]
    return [*lines, ""]


def _calibration_table(moment: str, rows: list[dict[str, Any]]) -> list[str]:
    known = any(row.get("true_risk") is not None for row in rows)
    lines = [
        f"### {_HEADINGS.get(moment, moment)}",
        "",
        "| band | cases | share | predicted | observed | gap (points) | sampling margin (95%)"
        + (" | mean true risk" if known else "")
        + " | outcomes caught |",
        "|---|---|---|---|---|---|---|" + ("---|" if known else "") + "---|",
    ]
    worst, failing = 0.0, []
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
        if row["count"] and not row.get("calibrated", row["gap_pp"] <= CALIBRATION_GAP_PP):
            failing.append(row["band"])
    verdict = "every band is calibrated" if not failing else f"not calibrated: {', '.join(failing)}"
    lines += ["", f"Largest gap: {worst:.1f} points; {verdict}.", ""]
    return lines


def _fairness(m: dict[str, Any]) -> list[str]:
    everyone = m["everyone"]
    lines = [
        "## Fairness (test decisions at the first notification, at the high band)",
        "",
        "Rates with their 95% Wilson intervals; groups under"
        f" {FAIRNESS_MINIMUM} decisions are too few to judge.",
        "",
        "| group | cases | flagged high | false positive rate | false negative rate |"
        " predicted | observed |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in [everyone, *m["fairness"]]:
        name = "everyone" if row["kind"] == "everyone" else f"{row['kind']}: {row['group']}"
        few = row["kind"] != "everyone" and row["count"] < FAIRNESS_MINIMUM
        cells = [
            name,
            str(row["count"]),
            f"{row['flagged_high']:.1%}",
            _with_interval(row["false_positive_rate"], row.get("false_positive_interval"), few),
            _with_interval(row["false_negative_rate"], row.get("false_negative_interval"), few),
            f"{row['predicted']:.1%}",
            f"{row['observed']:.1%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    findings = m.get("fairness_findings", [])
    lines += ["", "### Differences beyond chance", ""]
    lines += [f"- {finding}" for finding in findings] or [
        "- None: no group's rates differ from the rest's beyond their 95% intervals."
    ]
    return [*lines, ""]


def _with_interval(value: float | None, interval: Any, too_few: bool) -> str:
    if too_few:
        return "too few to judge"
    if value is None or not interval:
        return _rate(value)
    low, high = interval
    return f"{value:.1%} ({low:.1%} to {high:.1%})"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
