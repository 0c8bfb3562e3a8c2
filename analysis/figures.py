"""One function per figure. Each takes tidy tables, the design and a path; writes one PNG.

``results`` has one row per run and step, ``summary`` one row per run (see
:func:`analysis.collect.collect`); the design (:mod:`analysis.design`) names the levers,
their levels and the reference cell. Levers beyond the second are held at their reference.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from analysis.answer import cell_name
from analysis.design import Design
from analysis.stats import UNIT, cell_ci, paired
from analysis.theme import PALETTE, is_flow, label, lever_label, num, summary_column

DIVERGING = "RdBu_r"


def _save(fig: plt.Figure, path: Path, title: str, y: float = 1.01) -> Path:
    fig.suptitle(title, y=y)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _held(d: Design, data: pd.DataFrame, *shown: str) -> tuple[pd.DataFrame, str]:
    """Rows at the reference level of every lever not shown, and a note saying so."""
    rest = {k: v for k, v in d.reference.items() if k not in shown}
    for key, value in rest.items():
        data = data[data[key] == value]
    return data, (f"other levers at {cell_name(rest)}" if rest else "")


def smooth_flows(results: pd.DataFrame, outcomes: list[str], window: int = 4) -> pd.DataFrame:
    """Per-quarter flows replaced by their rolling mean within each run."""
    flows = [o for o in outcomes if is_flow(o)]
    if not flows or "run" not in results:
        return results
    out = results.sort_values(["run", "step"]).copy()
    out[flows] = (out.groupby("run", observed=True)[flows]
                  .transform(lambda s: s.rolling(window, min_periods=1).mean()))
    return out


def identical_series(data: pd.DataFrame, hue: str, levels: list[Any],
                     outcome: str) -> list[tuple[Any, Any]]:
    """Pairs of levels whose runs give the same ``outcome`` series, seed by seed."""
    series = {}
    for level in levels:
        part = data[data[hue] == level].sort_values([*UNIT, "step"])
        series[level] = (part[[*UNIT, "step"]].to_numpy(), part[outcome].to_numpy(dtype=float))
    pairs = []
    for i, a in enumerate(levels):
        for b in levels[i + 1:]:
            (ka, va), (kb, vb) = series[a], series[b]
            if len(va) and ka.shape == kb.shape and (ka == kb).all() \
                    and np.array_equal(va, vb, equal_nan=True):
                pairs.append((a, b))
    return pairs


def identical_note(pairs: list[tuple[Any, Any]], width: int = 36) -> str:
    """``identical: a = b = c`` per group of levels with the same series, wrapped."""
    groups: list[list[Any]] = []
    for a, b in pairs:
        home = next((g for g in groups if a in g or b in g), None)
        if home is None:
            groups.append([a, b])
        else:
            home.extend(x for x in (a, b) if x not in home)
    return textwrap.fill("identical: " + "; ".join(" = ".join(map(str, g)) for g in groups),
                         width=width)


def timeseries(results: pd.DataFrame, outcomes: list[str], d: Design, path: Path) -> Path:
    """Outcomes over time: a row per outcome, a column per level of the second lever.

    Lines are means across seeds with a 95% band, one per level of the first lever; levels
    whose series are identical seed by seed are named in the panel, since their lines lie
    on top of one another. Per-quarter flows are shown as 4-quarter rolling means.
    """
    hue = d.levers[0] if d.levers else None
    facet = d.levers[1] if len(d.levers) > 1 else None
    data, note = _held(d, smooth_flows(results, outcomes), *d.levers[:2])
    columns = d.levels[facet] if facet else [None]
    hues = d.levels[hue] if hue else []
    # one lever (or none): the outcomes wrap into rows of three, each with its own axis
    wrap = 1 if facet else min(3, len(outcomes))
    nrows, ncols = math.ceil(len(outcomes) / wrap), len(columns) * wrap
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, sharex=bool(facet),
                             sharey="row" if facet else False,
                             figsize=(3.4 * ncols + 0.6, 2.5 * nrows + 0.8))
    for ax in list(axes.flat)[len(outcomes) * len(columns):]:
        ax.set_visible(False)
    colours = dict(zip(map(str, hues), PALETTE * 3, strict=False))
    for (i, outcome), (c, level) in product_enum(outcomes, columns):
        r, c = (i, c) if facet else divmod(i, wrap)
        ax = axes[r, c]
        part = data if facet is None else data[data[facet] == level]
        plot = part.assign(**{hue: part[hue].astype(str)}) if hue else part
        sns.lineplot(data=plot, x="step", y=outcome, hue=hue, palette=colours if hue else None,
                     hue_order=[str(h) for h in hues] or None, errorbar=("ci", 95), n_boot=200,
                     seed=0, ax=ax, legend=False)
        same = identical_series(part, hue, hues, outcome) if hue else []
        if same:
            text = ax.text(0.02, 0.97, identical_note(same), transform=ax.transAxes,
                           va="top", fontsize=7, color="0.25",
                           bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
            text.set_in_layout(False)  # a long note must not squeeze its column
        if r == 0 and facet:
            ax.set_title(f"{lever_label(facet)} = {level}", fontsize=10)
        ax.set_ylabel(label(outcome).replace(" [", "\n[")
                      + (" (4-q mean)" if is_flow(outcome) else ""), fontsize=8)
        ax.set_xlabel("quarter" if not facet or r == nrows - 1 else "")
    if hue:
        handles = [plt.Line2D([], [], color=colours[str(h)], lw=2) for h in hues]
        fig.legend(handles, [str(h) for h in hues], title=lever_label(hue),
                   ncol=min(6, len(hues)), loc="upper center", bbox_to_anchor=(0.5, 0.0))
    title = "Outcomes over time: mean and 95% band across seeds"
    return _save(fig, path, title + (f"\n{note}" if note else ""), y=1.01)


def product_enum(rows: list[Any],
                 cols: list[Any]) -> list[tuple[tuple[int, Any], tuple[int, Any]]]:
    """Every (row, column) pair with its indices."""
    return [((i, r), (j, c)) for i, r in enumerate(rows) for j, c in enumerate(cols)]


def heatmaps(summary: pd.DataFrame, outcomes: list[str], d: Design, path: Path) -> Path:
    """Each cell's paired difference from the reference cell, for the two main levers.

    The colour is the difference only where its 95% interval excludes zero (or it is the
    same non-zero value in every seed), white otherwise, on a scale centred at zero, so that
    noise is not stretched into colour; the text gives the cell mean and the difference.
    """
    rows, cols = d.levers[0], d.levers[1]
    data, note = _held(d, summary, rows, cols)
    ncols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    width = max(4.6, 1.25 * len(d.levels[cols]) + 2.4)
    height = 0.55 * len(d.levels[rows]) + 1.8
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, figsize=(width * ncols, height * nrows))
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        shade, text = _difference_grid(data, d, outcome, rows, cols)
        top = float(np.nanmax(np.abs(shade.to_numpy()))) if np.isfinite(shade.to_numpy()).any() \
            else 0.0
        sns.heatmap(shade.fillna(0.0), annot=text, fmt="", cmap=DIVERGING, center=0.0,
                    vmin=-(top or 1.0), vmax=top or 1.0, ax=ax, annot_kws={"size": 7},
                    cbar_kws={"label": "difference from reference"}, linewidths=0.5,
                    linecolor="0.85")
        ax.set_title(f"{outcome.replace('_', ' ')} ({'run mean' if is_flow(outcome) else 'final'})",
                     fontsize=10)
        ax.set_xlabel(lever_label(cols))
        ax.set_ylabel(lever_label(rows))
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
        ax.tick_params(axis="y", rotation=0)
    title = ("Cell mean, and paired difference from the reference cell (ref); coloured only "
             "where clear at 95%\nor the same in every seed (fixed); n.s. = not clear")
    return _save(fig, path, title + (f"\n{note}" if note else ""))


def _difference_grid(data: pd.DataFrame, d: Design, outcome: str, rows: str,
                     cols: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ref = {rows: d.reference[rows], cols: d.reference[cols]}
    shade = pd.DataFrame(np.nan, index=d.levels[rows], columns=d.levels[cols])
    text = pd.DataFrame("", index=d.levels[rows], columns=d.levels[cols])
    col = summary_column(outcome)
    for r in d.levels[rows]:
        for c in d.levels[cols]:
            values = data[(data[rows] == r) & (data[cols] == c)][col]
            mean = num(float(values.mean())) if len(values) else "-"
            if {rows: r, cols: c} == ref:
                text.loc[r, c] = f"{mean}\nref"
                continue
            e = paired(data, outcome, {rows: r, cols: c}, ref)
            if e.n == 0:
                text.loc[r, c] = f"{mean}\nundefined"
                continue
            if e.clear or (e.fixed and e.mean != 0):  # a difference in every seed is no noise
                shade.loc[r, c] = e.mean
            mark = ("= ref" if e.fixed and e.mean == 0 else "fixed" if e.fixed
                    else "" if e.clear else "n.s.")
            text.loc[r, c] = f"{mean}\n{'+' if e.mean > 0 else ''}{num(e.mean)} {mark}".rstrip()
    return shade, text


def effects(summary: pd.DataFrame, outcomes: list[str], d: Design, path: Path) -> Path:
    """One lever: each level's paired difference from the reference, with its 95% CI."""
    lever = d.levers[0]
    ncols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, figsize=(4.4 * ncols, 3.3 * nrows))
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    others = [lv for lv in d.levels[lever] if lv != d.reference[lever]]
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        for i, level in enumerate(others):
            e = paired(summary, outcome, {**d.reference, lever: level}, d.reference)
            lo, hi = e.ci
            err = [[e.mean - lo], [hi - e.mean]] if np.isfinite(lo) else None
            ax.errorbar([i], [e.mean], yerr=err, fmt="o", color=PALETTE[0], capsize=4)
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.set_xticks(range(len(others)), [str(o) for o in others], rotation=30, ha="right")
        ax.set_title(outcome.replace("_", " "), fontsize=10)
        ax.set_ylabel(f"difference from {d.reference[lever]}", fontsize=8)
        ax.set_xlabel(lever_label(lever))
    return _save(fig, path, "Paired difference from the reference level, 95% CI across seeds")


def tradeoff(summary: pd.DataFrame, x: str, y: str, d: Design, path: Path) -> Path:
    """The question's trade-off: one point per cell, mean and 95% interval on both axes."""
    hue = d.levers[0] if d.levers else None
    style = d.levers[1] if len(d.levers) > 1 else None
    data, note = _held(d, summary, *d.levers[:2])
    keys = [k for k in (hue, style) if k]
    groups = data.groupby(keys, observed=True, sort=False) if keys else [((), data)]
    fig, ax = plt.subplots(figsize=(9.0, 5.0))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    colours = dict(zip(map(str, d.levels.get(hue, [])), PALETTE * 3, strict=False)) if hue else {}
    for key, grp in groups:
        key = key if isinstance(key, tuple) else (key,)
        where = dict(zip(keys, key, strict=True))
        (mx, lx, hx), (my, ly, hy) = (cell_ci(grp[summary_column(x)], x),
                                      cell_ci(grp[summary_column(y)], y))
        colour = colours.get(str(where.get(hue)), PALETTE[0]) if hue else PALETTE[0]
        marker = markers[d.levels[style].index(where[style]) % len(markers)] if style else "o"
        xerr = [[mx - lx], [hx - mx]] if np.isfinite(lx) else None
        yerr = [[my - ly], [hy - my]] if np.isfinite(ly) else None
        ax.errorbar([mx], [my], xerr=xerr, yerr=yerr, fmt=marker, color=colour, ms=7,
                    ecolor="0.6", elinewidth=0.8, capsize=2)
    handles = [plt.Line2D([], [], color=colours[str(h)], marker="o", ls="", label=str(h))
               for h in d.levels.get(hue, [])] if hue else []
    if style:
        handles += [plt.Line2D([], [], color="0.3", marker=markers[i % len(markers)], ls="",
                               label=f"{lever_label(style)} = {v}")
                    for i, v in enumerate(d.levels[style])]
    if handles:
        ax.legend(handles=handles, title=lever_label(hue) if hue else None,
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    ax.set_xlabel(label(x, summarised=True))
    ax.set_ylabel(label(y, summarised=True).replace(" [", "\n["))
    title = (f"Trade-off: {x.replace('_', ' ')} against {y.replace('_', ' ')}\none point per "
             "cell, mean and 95% interval across seeds")
    return _save(fig, path, title + (f"\n{note}" if note else ""))
