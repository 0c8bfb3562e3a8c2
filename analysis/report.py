"""``aieco report DIR``: figures and ``report.md`` for a sweep (or any folder of runs).

Reads only saved results: ``results.parquet`` and ``summary.parquet`` (collected first if
missing) and the experiment's question, levers and outcomes from a run's ``config.yaml``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

from analysis import figures
from analysis.collect import ExperimentMeta, candidate_folders, collect, find_runs
from analysis.stats import findings, means_table
from analysis.theme import label, set_theme
from sim.io import write_text

DEFAULT_OUTCOMES = ["hhi", "harm", "meaningful_access", "trust", "welfare", "frontier_capability"]
FIGURES = "figures"


def load(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results and summary tables of a folder, collected afresh.

    Collecting again is cheap and means a report never shows a stale collection (a sweep
    resumed or extended after its last collect).
    """
    return collect(root)


def experiment_of(root: Path, summary: pd.DataFrame) -> ExperimentMeta:
    """The experiment metadata recorded in the first run's config, with sane fallbacks."""
    # a complete run's config, or, when the report works from tables kept after runs were
    # damaged or pruned, any run folder's that is still there
    runs = find_runs(root) or [f for f in candidate_folders(root)
                               if (f / "config.yaml").is_file()]
    meta: dict = {}
    if runs:
        cfg = yaml.safe_load((runs[0] / "config.yaml").read_text()) or {}
        meta = cfg.get("experiment") or {}
    exp = ExperimentMeta(name=meta.get("name") or root.name, question=meta.get("question", ""),
                     levers=list(meta.get("levers") or []),
                     outcomes=list(meta.get("outcomes") or DEFAULT_OUTCOMES))
    exp.levers = [lv for lv in exp.levers if lv in summary and summary[lv].nunique() > 1]
    known = [o for o in exp.outcomes if f"{o}_final" in summary]
    missing = [o for o in exp.outcomes if o not in known]
    if missing:
        print(f"aieco report: outcomes not in these results, left out: {', '.join(missing)}",
              file=sys.stderr)
    exp.outcomes = known or [o for o in DEFAULT_OUTCOMES if f"{o}_final" in summary]
    if not exp.outcomes:
        raise FileNotFoundError(f"no outcome columns in the results under {root}")
    return exp


def make_report(root: Path) -> Path:
    """Write the figures and ``report.md`` of the runs under ``root``; return the report."""
    root = Path(root)
    results, summary = load(root)
    if summary.empty:
        raise FileNotFoundError(f"no complete runs under {root}")
    exp = experiment_of(root, summary)
    set_theme()
    fig_dir = root / FIGURES
    fig_dir.mkdir(exist_ok=True)
    hue = exp.levers[0] if exp.levers else None
    series = results
    note = ""
    if len(exp.levers) > 1:
        second = exp.levers[1]
        first_level = figures._order(results[second])[0]
        series = results[results[second] == first_level]
        note = f"at {second} = {first_level}"
    made = [("Outcomes over time", figures.timeseries(series, exp.outcomes, hue,
                                                      fig_dir / "timeseries.png", note))]
    if len(exp.levers) >= 2:
        made.append(("Outcomes by the two main levers", figures.heatmaps(
            summary, exp.outcomes, exp.levers[0], exp.levers[1], fig_dir / "heatmaps.png")))
    elif exp.levers:
        made.append(("Outcomes by lever", figures.lever_effects(
            summary, exp.outcomes, exp.levers[0], fig_dir / "effects.png")))
    made.append(("Trade-offs", figures.tradeoffs(
        summary, hue, exp.levers[1] if len(exp.levers) > 1 else None,
        fig_dir / "tradeoffs.png")))
    text = render(exp, summary, made, root)
    path = root / "report.md"
    write_text(text, path)
    return path


def render(exp: ExperimentMeta, summary: pd.DataFrame, made: list[tuple[str, Path]],
           root: Path) -> str:
    """The Markdown of the report."""
    seeds = summary.groupby(exp.levers, observed=True).size() if exp.levers else [len(summary)]
    lines = [f"# {exp.name}", ""]
    if exp.question:
        lines += [f"**Question.** {exp.question}", ""]
    lines += [f"{len(summary)} runs; {min(seeds)} to {max(seeds)} seeds per setting."]
    for lever in exp.levers:
        levels = ", ".join(str(v) for v in figures._order(summary[lever]))
        lines.append(f"- lever `{lever}`: {levels}")
    lines += ["", "Outcomes (final value, or run mean for per-quarter flows):", ""]
    lines += [f"- `{o}`: {label(o)}" for o in exp.outcomes]
    lines += ["", "## What the figures say", ""]
    lines += [f"- {s}" if not s.startswith("  ") else f"  - {s.strip()}"
              for s in findings(summary, exp.levers, exp.outcomes)]
    for title, path in made:
        lines += ["", f"## {title}", "", f"![{title}]({path.relative_to(root)})"]
    table = means_table(summary, exp.levers, exp.outcomes)
    lines += ["", "## Means with 95% confidence intervals across seeds", "",
              table.to_markdown(index=False) if _has_tabulate() else _markdown(table), ""]
    return "\n".join(lines)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _markdown(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])
