"""``aieco report DIR``: figures and ``report.md`` for a sweep (or any folder of runs).

Reads only saved results: ``results.parquet`` and ``summary.parquet`` (collected afresh),
each run's manifest (what was set for it, which experiment it belongs to) and the
experiment's metadata from a run's ``config.yaml``. The report opens with the answer to
the experiment's question, computed from the runs (:mod:`analysis.answer`), then what must
not be read as a finding, the mechanism and caveats the experiment declares, the paired
effects and interaction contrasts for every outcome, the figures and the cell means.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from analysis import figures
from analysis.answer import answer, cell_name, effects_table, flags, interactions_table
from analysis.collect import collect
from analysis.design import Design, Unreportable, design_of, outcomes_of
from analysis.stats import means_table
from analysis.theme import label, set_theme
from analysis.welfare import harm_weight_lines, market_size
from sim.io import write_text

FIGURES = "figures"


def load(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results and summary tables of a folder, collected afresh.

    Collecting again is cheap and means a report never shows a stale collection (a sweep
    resumed or extended after its last collect).
    """
    return collect(root)


def make_report(root: Path) -> Path:
    """Write the figures and ``report.md`` of the runs under ``root``; return the report.

    Raises
    ------
    FileNotFoundError
        No complete runs, or no outcome columns.
    Unreportable
        Runs that cannot be reported as one experiment (one line says why).
    """
    root = Path(root)
    results, summary = load(root)
    if summary.empty:
        raise FileNotFoundError(f"no complete runs under {root}")
    d = design_of(root, summary)
    outcomes, missing = outcomes_of(d.meta, summary)
    if missing:
        print(f"aieco report: outcomes not in these results, left out: {', '.join(missing)}",
              file=sys.stderr)
    if not outcomes:
        raise FileNotFoundError(f"no outcome columns in the results under {root}")
    set_theme()
    fig_dir = root / FIGURES
    fig_dir.mkdir(exist_ok=True)
    made = [("Outcomes over time", figures.timeseries(results, outcomes, d,
                                                      fig_dir / "timeseries.png"))]
    if len(d.levers) >= 2:
        made.append(("Differences from the reference cell", figures.heatmaps(
            summary, outcomes, d, fig_dir / "heatmaps.png")))
    elif d.levers:
        made.append(("Differences from the reference level", figures.effects(
            summary, outcomes, d, fig_dir / "effects.png")))
    x, y = tradeoff_axes(d, outcomes)
    if x != y:
        made.append(("Trade-off", figures.tradeoff(summary, x, y, d, fig_dir / "tradeoff.png")))
    text = render(d, summary, outcomes, made, root)
    path = root / "report.md"
    write_text(text, path)
    return path


def tradeoff_axes(d: Design, outcomes: list[str]) -> tuple[str, str]:
    """The declared trade-off pair, else the first two outcomes."""
    pair = [o for o in d.meta.tradeoff if o in outcomes]
    if len(pair) == 2:
        return pair[0], pair[1]
    return (outcomes[0], outcomes[1]) if len(outcomes) > 1 else (outcomes[0], outcomes[0])


def render(d: Design, summary: pd.DataFrame, outcomes: list[str],
           made: list[tuple[str, Path]], root: Path) -> str:
    """The Markdown of the report."""
    main = d.meta.answer if d.meta.answer in outcomes else outcomes[0]
    lines = [f"# {d.name}", ""]
    if d.meta.question:
        lines += [f"**Question.** {d.meta.question.strip()}", ""]
    lines += [f"**Answer.** {answer(summary, d, main)}", ""]
    others = [o for o in outcomes if o != main]
    lines += [f"- {answer(summary, d, o)}" for o in others] + ([""] if others else [])
    lines += _design_lines(d, summary, outcomes)
    flagged = flags(summary, d, outcomes)
    if flagged:
        lines += ["## Not findings", ""] + [f"- {f}" for f in flagged] + [""]
    if d.meta.mechanism.strip():
        lines += ["## Mechanism", "", d.meta.mechanism.strip(), ""]
    if d.meta.caveats.strip():
        lines += ["## Caveats", "", d.meta.caveats.strip(), ""]
    if d.levers:
        lines += ["## Paired differences from the reference cell", "",
                  "Mean over shared seeds of (cell - reference) [95% t-interval], and the "
                  "change relative to the reference mean; * where the interval excludes 0.",
                  "", _markdown(effects_table(summary, d, outcomes)), ""]
    if len(d.levers) >= 2:
        lines += ["## Interaction contrasts", "",
                  f"Per seed, (effect of `{d.levers[0]}` against its reference at this level of "
                  f"`{d.levers[1]}`) minus (the same effect at `{d.levers[1]}="
                  f"{d.reference[d.levers[1]]}`), [95% t-interval]; * where it excludes 0.", "",
                  _markdown(interactions_table(summary, d, outcomes)), ""]
    weights = harm_weight_lines(summary, d, market_size(root))
    if weights:
        lines += ["## Welfare against the weight on harm", "",
                  "`welfare` counts one harm unit as one price unit (ODD 7.16). Per cell against "
                  f"the reference ({cell_name(d.reference)}): the mean paired difference of "
                  "run-mean welfare (price units per user-quarter) and harm (harm units a "
                  "quarter, 95% t-interval), and the weight on harm at which the welfare "
                  "ranking of the two cells changes sign (`analysis/welfare.py`).", ""]
        lines += [f"- {w}" for w in weights] + [""]
    for title, path in made:
        lines += [f"## {title}", "", f"![{title}]({path.relative_to(root)})", ""]
    lines += ["## Cell means", "",
              "Mean over seeds [95% interval: bootstrap percentile for outcomes that cannot "
              "be negative, t otherwise].", "",
              _markdown(means_table(summary, d.levers, outcomes)), ""]
    return "\n".join(lines)


def _design_lines(d: Design, summary: pd.DataFrame, outcomes: list[str]) -> list[str]:
    lo, hi = d.seeds
    seeds = f"{lo} seeds per setting" if lo == hi else f"{lo} to {hi} seeds per setting"
    cells = len(summary) // max(1, hi) if lo == hi else "several"
    lines = ["## Design", "", f"{len(summary)} runs: {cells} settings, {seeds}, paired by "
             "seed (common random numbers)."]
    for lever in d.levers:
        levels = ", ".join(f"**{v}** (reference)" if v == d.reference[lever] else str(v)
                           for v in d.levels[lever])
        lines.append(f"- lever `{lever}`: {levels}")
    lines += [f"- {n}" for n in d.notes]
    lines += ["", "Outcomes (final value, or run mean for per-quarter flows):", ""]
    return lines + [f"- `{o}`: {label(o)}" for o in outcomes] + [""]


def _markdown(df: pd.DataFrame) -> str:
    if df.empty:
        return "(none)"
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


__all__ = ["Unreportable", "make_report"]
