"""One function per figure. Each takes tidy tables and a path, and writes one PNG.

``results`` has one row per run and step, ``summary`` one row per run (see
:func:`analysis.collect.collect`); levers are columns of both.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from analysis.stats import mean_ci
from analysis.theme import CMAP, is_flow, label, lever_label, num, summary_column

MAX_HUE = 10


def _grid(n: int, width: float, height: float) -> tuple[plt.Figure, np.ndarray]:
    """Up to three panels a row for ``n`` panels; the unused ones hidden."""
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                             squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def _save(fig: plt.Figure, path: Path, title: str, y: float = 1.01) -> Path:
    fig.suptitle(title, y=y)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _order(values: pd.Series) -> list:
    """Levels in a stable order: numbers ascending, names as they first appear."""
    uniq = list(dict.fromkeys(values.dropna().tolist()))
    try:
        return sorted(uniq)
    except TypeError:
        return uniq


def timeseries(results: pd.DataFrame, outcomes: list[str], hue: str | None,
               path: Path, note: str = "") -> Path:
    """Outcomes over time, mean and 95% bootstrap band across seeds, one line per level.

    Per-quarter flows (harm, counts) are shown as 4-quarter rolling means, so that the
    lines are readable; levels are shown as they are.
    """
    results = smooth_flows(results, outcomes, hue)
    data = results.melt(id_vars=["step", *([hue] if hue else [])], value_vars=outcomes,
                        var_name="outcome", value_name="value")
    fig, axes = _grid(len(outcomes), 4.6, 3.4)
    # levels as text, so that numeric levers get the categorical palette, in numeric order
    order = [str(v) for v in _order(results[hue])] if hue else None
    if hue:
        data[hue] = data[hue].astype(str)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sns.lineplot(data=data[data["outcome"] == outcome], x="step", y="value", hue=hue,
                     hue_order=order, errorbar=("ci", 95), n_boot=300, seed=0, ax=ax,
                     legend=ax is axes.flat[0])
        flow = " (4-quarter rolling mean)" if is_flow(outcome) else ""
        ax.set_title(outcome.replace("_", " ") + flow, fontsize=10 if flow else None)
        ax.set_xlabel("quarter")
        ax.set_ylabel(label(outcome))
    if hue:
        first = axes.flat[0]
        handles, labels = first.get_legend_handles_labels()
        if first.get_legend():
            first.get_legend().remove()
        fig.legend(handles, labels, title=lever_label(hue), loc="upper center",
                   bbox_to_anchor=(0.5, 0.0), ncol=min(len(labels), 5))
    return _save(fig, path, "Outcomes over time: mean and 95% confidence band across seeds"
                 + (f"\n{note}" if note else ""), y=1.02)


def smooth_flows(results: pd.DataFrame, outcomes: list[str], hue: str | None,
                 window: int = 4) -> pd.DataFrame:
    """Per-quarter flows replaced by their rolling mean within each run."""
    flows = [o for o in outcomes if is_flow(o)]
    if not flows or "run" not in results:
        return results
    out = results.sort_values(["run", "step"]).copy()
    out[flows] = (out.groupby("run", observed=True)[flows]
                  .transform(lambda s: s.rolling(window, min_periods=1).mean()))
    return out


def heatmaps(summary: pd.DataFrame, outcomes: list[str], rows: str, cols: str,
             path: Path) -> Path:
    """Mean outcome per cell of the two main levers, annotated."""
    fig, axes = _grid(len(outcomes), max(5.2, 1.2 * summary[cols].nunique() + 2.5), 4.4)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        col = summary_column(outcome)
        table = summary.pivot_table(index=rows, columns=cols, values=col, aggfunc="mean",
                                    observed=True)
        table = table.reindex(index=_order(summary[rows]), columns=_order(summary[cols]))
        text = table.map(num)
        sns.heatmap(table, annot=text, fmt="", cmap=CMAP, ax=ax,
                    cbar_kws={"label": label(outcome, summarised=True)},
                    annot_kws={"size": 8})
        ax.set_title(outcome.replace("_", " "))
        ax.set_xlabel(lever_label(cols))
        ax.set_ylabel(lever_label(rows))
        plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
        ax.tick_params(axis="y", rotation=0)
    return _save(fig, path, "Mean over seeds, by the two main levers")


def lever_effects(summary: pd.DataFrame, outcomes: list[str], lever: str,
                  path: Path) -> Path:
    """Mean and 95% CI of each outcome by the levels of one lever (no second lever)."""
    fig, axes = _grid(len(outcomes), 4.6, 3.4)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sns.pointplot(data=summary, x=lever, y=summary_column(outcome),
                      order=_order(summary[lever]), errorbar=("ci", 95), n_boot=300, seed=0,
                      ax=ax, linestyle="none", capsize=0.2)
        ax.set_title(outcome.replace("_", " "))
        ax.set_xlabel(lever_label(lever))
        ax.set_ylabel(label(outcome, summarised=True))
        plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
    return _save(fig, path, "Mean and 95% confidence interval across seeds")


def tradeoffs(summary: pd.DataFrame, hue: str | None, style: str | None,
              path: Path) -> Path:
    """Concentration against harm and against meaningful access, one point per setting.

    Points are means over seeds with 95% confidence intervals on both axes, so settings do
    not drown in their own replicates.
    """
    keys = [k for k in (hue, style) if k]
    x = "hhi_final"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, y in zip(axes, ("harm_mean", "meaningful_access_final"), strict=True):
        groups = summary.groupby(keys, observed=True, sort=False) if keys else [((), summary)]
        points = []
        for key, grp in groups:
            key = key if isinstance(key, tuple) else (key,)
            (mx, lx, hx), (my, ly, hy) = mean_ci(grp[x]), mean_ci(grp[y])
            points.append({**dict(zip(keys, key, strict=True)), "x": mx, "y": my,
                           "xerr": (mx - lx, hx - mx), "yerr": (my - ly, hy - my)})
        pts = pd.DataFrame(points)
        for k in keys:
            pts[k] = pts[k].astype(str)  # categorical colours and markers, numeric or not
        for p in points:
            ax.errorbar(p["x"], p["y"], xerr=np.array(p["xerr"])[:, None],
                        yerr=np.array(p["yerr"])[:, None], fmt="none", ecolor="0.7",
                        elinewidth=0.8, zorder=1)
        sns.scatterplot(data=pts, x="x", y="y", hue=hue, style=style, s=70, ax=ax,
                        hue_order=[str(v) for v in _order(summary[hue])] if hue else None,
                        style_order=[str(v) for v in _order(summary[style])] if style else None,
                        zorder=2,
                        legend=ax is axes[-1])
        ax.set_xlabel(label("hhi", summarised=True))
        ax.set_ylabel(label(y.rsplit("_", 1)[0], summarised=True))
    axes[0].set_title("concentration vs harm")
    axes[1].set_title("concentration vs meaningful access")
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path, "Trade-offs: one point per setting, mean and 95% CI across seeds",
                 y=1.02)
