"""Means with 95% confidence intervals across seeds, and the sentences a report draws.

Intervals are Student-t intervals of the mean over replicate runs (each run one
observation), so they state the uncertainty due to the model's randomness, not any
uncertainty in its parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.theme import num, summary_column


def mean_ci(values: pd.Series | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the bounds of its ``level`` t-interval (the mean twice for one value)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if x.size < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return m, m - half, m + half


def means_table(summary: pd.DataFrame, levers: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per setting of the levers: runs, and mean [95% CI] of each outcome."""
    groups = summary.groupby(levers, observed=True, sort=True) if levers else [((), summary)]
    rows = []
    for key, grp in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(levers, key, strict=True))
        row["runs"] = len(grp)
        for outcome in outcomes:
            m, lo, hi = mean_ci(grp[summary_column(outcome)])
            row[outcome] = f"{num(m)} [{num(lo)}, {num(hi)}]"
        rows.append(row)
    return pd.DataFrame(rows)


def findings(summary: pd.DataFrame, levers: list[str], outcomes: list[str]) -> list[str]:
    """Plain sentences on what the runs show.

    For each outcome: which setting is highest and lowest, and whether the difference is
    clear at 95%; and for each lever, how its levels order the outcome averaged over the
    other levers.
    """
    out = []
    for outcome in outcomes:
        col = summary_column(outcome)
        groups = summary.groupby(levers, observed=True) if levers else [((), summary)]
        cells = []
        for key, grp in groups:
            key = key if isinstance(key, tuple) else (key,)
            name = ", ".join(f"{k}={v}" for k, v in zip(levers, key, strict=True)) or "all runs"
            cells.append((name, *mean_ci(grp[col])))
        cells = [c for c in cells if np.isfinite(c[1])]
        if not cells:
            continue
        hi = max(cells, key=lambda c: c[1])
        lo = min(cells, key=lambda c: c[1])
        what = "run mean" if col.endswith("_mean") else "final value"
        if len(cells) == 1:
            out.append(f"**{outcome}** ({what}): {num(hi[1])} "
                       f"(95% CI {num(hi[2])} to {num(hi[3])}).")
            continue
        clear = lo[3] < hi[2]
        verdict = ("the difference is clear at 95%" if clear else
                   "their 95% intervals overlap, so the seeds do not separate them")
        out.append(f"**{outcome}** ({what}) is highest with {hi[0]} ({num(hi[1])}, CI "
                   f"{num(hi[2])} to {num(hi[3])}) and lowest with {lo[0]} ({num(lo[1])}, "
                   f"CI {num(lo[2])} to {num(lo[3])}); {verdict}.")
        for lever in levers if len(levers) > 1 else []:
            means = summary.groupby(lever, observed=True)[col].mean().sort_values()
            order = " < ".join(f"{k} ({num(v)})" for k, v in means.items())
            out.append(f"  Averaged over the other levers, by {lever}: {order}.")
    return out
