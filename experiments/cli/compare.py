"""``aieco compare``: the same scenario under several openness regimes, side by side.

Every regime runs with the same seeds (the sweep's replicate seeds), so the model's common
random numbers pair the runs: each regime is compared with the first (the reference) by
the mean of its paired differences over seeds, with a 95% t-interval of that mean. Paired
differences carry far less seed noise than the regimes' separate spreads (ODD 4.9).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_REGIMES = ("closed", "api_only", "staged", "open_weights", "endogenous")
COLUMNS = (("hhi", "final"), ("cr4", "final"), ("hhi_upstream", "final"),
           ("frontier_capability", "final"), ("open_frontier_gap", "final"),
           ("startups_alive", "final"), ("access_share", "final"),
           ("meaningful_access", "final"), ("trust", "final"), ("harm", "mean"),
           ("misuse_attempts", "mean"), ("welfare", "final"), ("safe_share", "final"))


def compare_command(args: list[str]) -> None:
    """Run each openness regime with the same overrides and print a comparison table."""
    from experiments.cli.args import Parser, suggest
    from experiments.cli.config import compose_params, groups, to_yaml
    from experiments.cli.task import existing_run, replicate_dirs
    from sim.io import check_writable, run_into
    from sim.metrics import summarise
    from sim.params import ConfigError
    from sim.runner import replicate_seeds

    parser = Parser(
        prog="aieco compare",
        usage="aieco compare [-h] [--openness LIST] [--out DIR] [--overwrite] [OVERRIDE ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one scenario under several openness regimes (same overrides, same "
                    "seed) and print\nthe final outcomes side by side; each regime's run "
                    "folder goes to DIR/REGIME/. A regime whose\nfolder already holds its "
                    "complete results is not run again; one holding another\nconfiguration's "
                    "results is refused unless --overwrite is given.",
        epilog="examples:\n"
               "  aieco compare population=small run.steps=40\n"
               "  aieco compare --openness closed,open_weights regulation=risk_tiered "
               "run.seed=3")
    parser.add_argument("--openness", default=",".join(DEFAULT_REGIMES), metavar="LIST",
                        help="comma-separated openness options to compare, from: "
                             + ", ".join(groups()["openness"]) + " (default: %(default)s)")
    parser.add_argument("--out", default="outputs/compare", metavar="DIR",
                        help="folder for the run folders, one per regime "
                             "(default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=5, metavar="N",
                        help="seeds per regime, the same for every regime; differences "
                             "against the first regime are paired by seed (default: "
                             "%(default)s)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace complete results of another configuration in DIR")
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                        help="a config override applied to every run, as for 'aieco run' "
                             "(group=option or group.key=value; see 'aieco run --help')")
    ns = parser.parse_intermixed_args(args)
    if ns.seeds < 1:
        raise ConfigError("--seeds", ns.seeds, "must be an integer >= 1")
    regimes = [r for r in ns.openness.split(",") if r]
    if not regimes:
        raise ConfigError("--openness", ns.openness, "name at least one of: "
                          + ", ".join(groups()["openness"]))
    for r in regimes:
        if r not in groups()["openness"]:
            raise ConfigError("--openness", r, "choose from: " + ", ".join(groups()["openness"])
                              + suggest(r, groups()["openness"]))
    composed = [compose_params([*ns.overrides, f"openness={r}", f"run.replicates={ns.seeds}"])
                for r in regimes]
    out = Path(ns.out)
    check_writable(out, "--out")
    states = {}
    for regime, (params, _) in zip(regimes, composed, strict=True):
        check_writable(out / regime, "--out")
        states[regime] = {existing_run(d, params)
                          for d in replicate_dirs(out / regime, params.run.replicates)}
        if "other" in states[regime] and not ns.overwrite:
            raise ConfigError("--out", str(out / regime),
                              "holds complete results of another configuration; choose "
                              "another folder, delete it, or pass --overwrite")
    values: dict[str, dict[str, np.ndarray]] = {}
    for regime, (params, cfg) in zip(regimes, composed, strict=True):
        dirs = replicate_dirs(out / regime, params.run.replicates)
        if states[regime] == {"same"}:
            print(f"{regime}: complete results found in {out / regime}", file=sys.stderr)
        else:
            print(f"running {regime} ({ns.seeds} seeds) ...", file=sys.stderr, flush=True)
        one = params.replace(run={"replicates": 1})
        for folder, seed_seq in zip(dirs, replicate_seeds(params), strict=True):
            if existing_run(folder, params) != "same":
                run_into(folder, one, seed_seq, to_yaml(cfg))
        rows = [summarise(pd.read_parquet(d / "metrics.parquet")) for d in dirs]
        values[regime] = {k: np.array([r.get(f"{k}_{how}", np.nan) for r in rows], dtype=float)
                          for k, how in COLUMNS}
    print(table(values))
    layout = "<regime>/" if ns.seeds == 1 else "<regime>/rep<i>/"
    print(f"results: {out}/{layout} (metrics.parquet, agents.parquet, config.yaml, "
          "manifest.json)")
    csv_path, tex_path = write_tables(values, out / "compare")
    print(f"tables: {csv_path}, {tex_path}")


def paired(values: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """Mean paired difference over seeds and its 95% t-interval (NaN bounds for one seed)."""
    d = values - reference
    d = d[np.isfinite(d)]
    if d.size == 0:
        return (float("nan"),) * 3
    m = float(d.mean())
    if d.size < 2:
        return m, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return m, m - half, m + half


def difference_text(values: np.ndarray, reference: np.ndarray) -> str:
    """A paired difference as text: ``m [lo, hi]``, or what makes an interval meaningless."""
    d = values - reference
    if not np.isfinite(d).any():
        return "undefined"
    m, lo, hi = paired(values, reference)
    if not np.isfinite(lo):
        return f"{m:.4g}"
    if hi == lo:
        return f"{m:.4g} in every seed"
    return f"{m:.4g} [{lo:.4g}, {hi:.4g}]"


def table(values: dict[str, dict[str, np.ndarray]]) -> str:
    """Outcomes as rows: the reference regime's mean, then each regime's paired difference."""
    names = list(values)
    ref = names[0]
    seeds = len(next(iter(values[ref].values())))
    cell = 34
    head = (f"outcome (final; harm, misuse: run mean), {seeds} seed{'s' * (seeds > 1)}"
            .ljust(46) + ref.rjust(13) + "".join(f"{n} - {ref}".rjust(cell) for n in names[1:]))
    lines = [head]
    for key, how in COLUMNS:
        label = f"{key} ({how})" if how == "mean" else key
        ref_values = values[ref][key]
        ref_text = (f"{np.nanmean(ref_values):.4g}" if np.isfinite(ref_values).any()
                    else "undefined")
        row = label.ljust(46) + ref_text.rjust(13)
        for n in names[1:]:
            row += difference_text(values[n][key], ref_values).rjust(cell)
        lines.append(row)
    note = ("differences: means over seeds of paired differences (same seed, common random "
            "numbers), with 95% t-intervals; 'in every seed': the regimes fix it, no "
            "interval; 'undefined': an empty layer (no startups, no users)" if seeds > 1 else
            "one seed: differences have no interval (use --seeds N)")
    return "\n".join([*lines, note])


def frame(values: dict[str, dict[str, np.ndarray]]) -> tuple[pd.DataFrame, dict]:
    """The comparison as a table for papers: one row per outcome (its unit in its name), the
    reference's mean with its 95% t-interval over seeds, each regime's paired difference."""
    from analysis.stats import mean_ci
    from analysis.tables import unit_of

    names = list(values)
    ref = names[0]
    rows, ci = [], {}
    for key, how in COLUMNS:
        unit = unit_of(key)
        row: dict[str, object] = {"outcome": f"{key} ({how})" + (f" [{unit}]" if unit else "")}
        m, lo, hi = mean_ci(values[ref][key])
        row.update({ref: m, f"{ref}_lo": lo, f"{ref}_hi": hi})
        for n in names[1:]:
            d, dlo, dhi = paired(values[n][key], values[ref][key])
            col = f"{n} - {ref}"
            row.update({col: d, f"{col}_lo": dlo, f"{col}_hi": dhi})
        rows.append(row)
    ci[ref] = (ref, f"{ref}_lo", f"{ref}_hi")
    for n in names[1:]:
        col = f"{n} - {ref}"
        ci[col] = (col, f"{col}_lo", f"{col}_hi")
    return pd.DataFrame(rows), ci


def write_tables(values: dict[str, dict[str, np.ndarray]], stem: Path) -> tuple[Path, Path]:
    """Write the comparison as ``STEM.csv`` and ``STEM.tex`` (booktabs)."""
    from analysis.tables import write_table

    df, ci = frame(values)
    ref = next(iter(values))
    seeds = len(next(iter(values[ref].values())))
    return write_table(df, stem, ci=ci, units={"outcome": ""},
                       caption=f"Outcomes under each openness regime: {ref} (mean over "
                               f"{seeds} seeds) and each regime's mean paired difference "
                               f"from it (same seeds).")
