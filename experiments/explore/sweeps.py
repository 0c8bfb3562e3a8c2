"""A sweep folder as the sweeps page shows it, and the explorer's own saved runs.

Reads saved results only, through :mod:`analysis` (runs found by their manifests, the
experiment's question and levers from a run's ``config.yaml``), and never writes into the
folder it shows: the tables are collected afresh in memory, so they are never stale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.explore.compare import band

#: how deep below a candidate folder run folders are looked for (job/rep/manifest.json)
DEPTH = 3


class NotASweep(ValueError):
    """A folder the sweeps page cannot show; the message is one line."""


def holds_runs(folder: Path, depth: int = DEPTH) -> bool:
    """Whether a ``manifest.json`` sits at most ``depth`` levels below ``folder``."""
    return any(next(folder.glob("/".join(["*"] * d + ["manifest.json"])), None) is not None
               for d in range(depth + 1))


def candidates(root: Path) -> list[Path]:
    """Sweep folders under ``root`` (such as ``outputs/sweeps``), newest first.

    A child folder that holds runs counts, and so does a grandchild when the child holds
    none itself (Hydra's dated ``DATE/TIME`` layout).
    """
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for child in sorted(p for p in root.iterdir() if p.is_dir()):
        if (child / "summary.parquet").exists() or holds_runs(child, 2):
            found.append(child)
        else:
            found += [g for g in sorted(child.iterdir()) if g.is_dir() and holds_runs(g)]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def order(values: pd.Series) -> list[Any]:
    """Levels in a stable order: numbers ascending, names sorted, as the reports order them."""
    unique = list(dict.fromkeys(values.dropna().tolist()))
    try:
        return sorted(unique)
    except TypeError:
        return unique


@dataclass
class Sweep:
    """A collected sweep: its question, levers, outcomes and tables."""

    root: Path
    name: str
    question: str
    levers: list[str]
    outcomes: list[str]
    results: pd.DataFrame
    summary: pd.DataFrame
    report: Path | None = None
    notes: list[str] = field(default_factory=list)
    design: Any = None  #: the report's :class:`analysis.design.Design` of these runs

    @property
    def runs(self) -> int:
        """Complete runs found."""
        return len(self.summary)

    def levels(self, lever: str) -> list[Any]:
        """The levels of a lever, in the reports' order."""
        return order(self.summary[lever]) if lever in self.summary else []

    def series(self, outcome: str, hue: str | None,
               where: dict[str, Any] | None = None) -> list[tuple[str, dict[str, np.ndarray]]]:
        """Mean and 95% band over seeds of ``outcome`` per quarter, one per level of ``hue``."""
        df = self.results
        for key, value in (where or {}).items():
            df = df[df[key] == value]
        groups = [(str(v), df[df[hue] == v]) for v in order(df[hue])] if hue else [("all", df)]
        out = []
        for name, grp in groups:
            table = grp.pivot_table(index="run", columns="step", values=outcome,
                                    aggfunc="first", dropna=False)
            mean, lo, hi = band(table.to_numpy(dtype=float))
            out.append((name, {"step": table.columns.to_numpy(dtype=float), "mean": mean,
                               "lo": lo, "hi": hi, "runs": np.array([len(table)])}))
        return out

    def heat(self, outcome: str) -> tuple[list[Any], list[Any], np.ndarray]:
        """Mean of the outcome's run summary over the two main levers."""
        from analysis.theme import summary_column

        rows, cols = self.levers[0], self.levers[1]
        col = summary_column(outcome)
        means = self.summary.groupby([rows, cols], observed=True)[col].mean()
        r, c = self.levels(rows), self.levels(cols)
        matrix = np.array([[means.get((i, j), np.nan) for j in c] for i in r], dtype=float)
        return r, c, matrix

    def means(self) -> pd.DataFrame:
        """Runs and mean [95% CI] of each outcome per setting of the levers."""
        from analysis.stats import means_table

        return means_table(self.summary, self.levers, self.outcomes)

    def findings(self) -> list[str]:
        """The report's answer for each outcome, then what is not a finding."""
        from analysis.answer import answer, flags

        if self.design is None:
            return []
        return ([answer(self.summary, self.design, o) for o in self.outcomes]
                + flags(self.summary, self.design, self.outcomes))


def swept_columns(summary: pd.DataFrame) -> list[str]:
    """Columns of a summary that name a run's setting rather than measure it."""
    from analysis.collect import ID_COLUMNS

    skip = {*ID_COLUMNS, "seed", "replicate", "run.seed"}
    return [c for c in summary.columns if c not in skip
            and not c.endswith(("_final", "_mean"))]


def load_sweep(root: str | Path) -> Sweep:
    """Collect the sweep under ``root``; :class:`NotASweep` (one line) if it is not one."""
    from analysis.collect import find_runs
    from analysis.design import Unreportable, design_of, outcomes_of

    root = Path(str(root).strip()).expanduser()
    if not str(root).strip() or not root.is_dir():
        raise NotASweep(f"{root} is not a folder")
    runs = find_runs(root) if holds_runs(root) else []
    if not runs:
        raise NotASweep(f"{root} is not a sweep: no complete run folder (one with a "
                        f"manifest.json) within {DEPTH} levels below it")
    notes: list[str] = []
    results, summary = _tables(root, runs, notes)
    if summary.empty:
        raise NotASweep(f"no complete runs under {root}")
    try:
        design = design_of(root, summary)
    except Unreportable as exc:
        raise NotASweep(str(exc).splitlines()[0]) from None
    outcomes, _missing = outcomes_of(design.meta, summary)
    if not outcomes:
        raise NotASweep(f"no outcome columns in the results under {root}")
    levers = [lv for lv in design.levers if lv in results]
    if not design.meta.levers and levers:
        notes.append("No experiment levers recorded; showing the swept values that vary.")
    report = root / "report.md"
    return Sweep(root=root, name=design.name, question=design.meta.question, levers=levers,
                 outcomes=outcomes, results=results, summary=summary,
                 report=report if report.exists() else None, notes=notes, design=design)


def _tables(root: Path, runs: list[Path],
            notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's saved tables if they are newer than every run, else collected afresh.

    Collected afresh, in memory only, with file sizes checked but not checksums (a page
    should open a large sweep in seconds); runs left out are named in ``notes``.
    """
    from analysis.collect import RESULTS, SUMMARY, collect

    saved = [root / RESULTS, root / SUMMARY]
    newest = max((r / "manifest.json").stat().st_mtime for r in runs)
    if all(p.exists() and p.stat().st_mtime >= newest for p in saved):
        results, summary = (pd.read_parquet(p) for p in saved)
        if len(summary) == len(runs):
            return results, summary
    return collect(root, write=False, verify=False, say=notes.append)


def saved_runs(folder: Path) -> list[dict[str, Any]]:
    """The explorer's own saved runs under ``folder``, newest first, from their manifests."""
    from analysis.collect import find_runs

    folder = Path(folder)
    if not folder.is_dir():
        return []
    rows = []
    for run in find_runs(folder):
        manifest = json.loads((run / "manifest.json").read_text())
        rows.append({"folder": str(run), "name": run.name,
                     "saved": run.stat().st_mtime,
                     "command": manifest.get("command", ""),
                     "seed": manifest.get("seed"), "steps": manifest.get("steps"),
                     "config_hash": str(manifest.get("config_hash", ""))[:12],
                     "wall_time_s": manifest.get("wall_time_s"),
                     "manifest": manifest})
    return sorted(rows, key=lambda r: r["saved"], reverse=True)
