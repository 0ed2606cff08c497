"""Sizing a change to what counts as missing (e.g. "every absence is missing"), per month and
area team, from a back-test kept with its decisions (`backtest(..., keep_decisions=True)`):
the episodes each side classifies missing and the return home interviews each side asks for,
with the candidate's extra.

    sizing = missing_and_interviews(result.decisions, result.workload)
"""

from __future__ import annotations

import pandas as pd

from triage.analysis.tally import SIDES
from triage.casework.vocabulary import ACTION_WORDS

COLUMNS = [
    "month",
    "team",
    "missing_episodes_live",
    "missing_episodes_candidate",
    "interviews_live",
    "interviews_candidate",
    "extra_missing_episodes",
    "extra_interviews",
]


def missing_and_interviews(frame: pd.DataFrame | None, work: pd.DataFrame) -> pd.DataFrame:
    """Per month and area team: the episodes each side classifies missing (an episode is
    missing if any of its decisions says so; it counts in the month police first notified it
    and in the team its newest decision routes to, as the workload does) and the return home
    interviews each side asks for (`work`, the back-test's workload); then the candidate's
    extra of each. `frame`: the back-test's decisions, one row per decision both ways, each
    episode's in time order."""
    if frame is None:
        raise ValueError("the back-test kept no decisions: run it with keep_decisions=True")
    rows = []
    for side in SIDES:
        for _episode, versions in frame.groupby("episode", sort=False):
            if (versions[f"{side}_classification"] == "missing").any():
                team = versions[f"{side}_team"].iloc[-1]
                rows.append({"side": side, "month": versions["month"].iloc[0], "team": team})
    found = pd.DataFrame(rows, columns=["side", "month", "team"])
    missing = found.groupby(["month", "team", "side"]).size().unstack("side", fill_value=0)
    missing = missing.reindex(columns=list(SIDES), fill_value=0)
    missing.columns = COLUMNS[2:4]
    interviews = work[work["action"] == ACTION_WORDS["return_home_interview"]]
    interviews = interviews.groupby(["month", "team"])[list(SIDES)].sum()
    interviews.columns = COLUMNS[4:6]
    table = missing.join(interviews, how="outer").fillna(0).astype(int).reset_index()
    table["extra_missing_episodes"] = (
        table["missing_episodes_candidate"] - table["missing_episodes_live"]
    )
    table["extra_interviews"] = table["interviews_candidate"] - table["interviews_live"]
    return table[COLUMNS]


def by_month_and_team(
    table: pd.DataFrame, column: str, *, only_changed: bool = False
) -> pd.DataFrame:
    """One column of a table with `month` and `team` columns: months down, area teams across
    (`only_changed`: leaving out the teams whose figure is 0 every month)."""
    grid = table.pivot_table(
        index="month", columns="team", values=column, aggfunc="sum", fill_value=0
    )
    return grid.loc[:, (grid != 0).any()] if only_changed else grid
