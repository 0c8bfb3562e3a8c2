"""Two scenarios over the same seeds: paired differences with confidence bands.

Seed ``i`` of a comparison is replicate ``i`` of the sweep convention,
``SeedSequence(seed, spawn_key=(i,))`` (or ``SeedSequence(seed)`` for a single seed), and
both scenarios run with it: ``run_replicates`` of either scenario gives the same runs. The
difference B − A is taken within each seed, then averaged; its 95% interval is a Student-t
interval over seeds. Pairing removes the part of the seed-to-seed variation the two runs
share. The model draws common random numbers (ODD 3.3: every draw is keyed by the run's
seed, the quarter, the mechanism and the entity), so two scenarios on one seed share every
draw their differences do not touch, and the paired intervals are narrow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.explore.controls import Scenario

#: outcomes the compare page charts by default (any numeric outcome can be picked)
OUTCOMES = ("hhi", "harm", "meaningful_access", "trust", "frontier_capability",
            "startups_alive", "welfare", "open_frontier_gap")


class Cancelled(Exception):
    """The comparison was cancelled between two quarters."""


@dataclass
class Comparison:
    """The runs of two scenarios over the same seeds (``a_runs[i]`` pairs ``b_runs[i]``)."""

    a: Scenario
    b: Scenario
    a_runs: list[pd.DataFrame]
    b_runs: list[pd.DataFrame]

    @property
    def seeds(self) -> int:
        """Seeds run under both scenarios."""
        return min(len(self.a_runs), len(self.b_runs))


def seed_sequences(seed: int, n: int) -> list[np.random.SeedSequence]:
    """The seeds of ``n`` replicates with base ``seed``, as a sweep gives them."""
    from sim import Params
    from sim.runner import replicate_seeds

    return replicate_seeds(Params().replace(run={"seed": seed, "replicates": n}))


def run_pairs(a: Scenario, b: Scenario, n: int, *,
              progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None, threads: int = 1) -> Comparison:
    """Run both scenarios on each of ``n`` seeds (A's seed and run length for both).

    ``progress(done, total)`` is called after every run; ``cancelled()`` is asked after every
    quarter and, when true, stops with :class:`Cancelled`. ``threads``: Numba threads.
    """
    from experiments.explore.live import use_threads
    from sim import run

    use_threads(threads)
    b = dataclasses.replace(b, seed=a.seed, steps=a.steps)
    pa, pb = a.params(), b.params()

    def check(_model: object) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled

    a_runs, b_runs = [], []
    for i, seq in enumerate(seed_sequences(a.seed, n)):
        a_runs.append(run(pa, rng=seq, on_step=check).metrics)
        if progress:
            progress(2 * i + 1, 2 * n)
        b_runs.append(run(pb, rng=seq, on_step=check).metrics)
        if progress:
            progress(2 * i + 2, 2 * n)
    return Comparison(a=a, b=b, a_runs=a_runs, b_runs=b_runs)


def band(matrix: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """Mean, lower and upper bound of the t-interval of each column, over finite values.

    Columns with one value get that value as both bounds; with none, NaN.
    """
    from scipy import stats

    m = np.asarray(matrix, dtype=float)
    ok = np.isfinite(m)
    n = ok.sum(axis=0)
    total = np.where(ok, m, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        dev = np.where(ok, m - mean, 0.0)
        sd = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1))
        t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return mean, mean - half, mean + half


def _matrix(runs: list[pd.DataFrame], outcome: str, steps: int) -> np.ndarray:
    out = np.full((len(runs), steps), np.nan)
    for i, df in enumerate(runs):
        values = df[outcome].to_numpy(dtype=float)[:steps]
        out[i, : values.size] = values
    return out


def paired(comp: Comparison, outcome: str) -> dict[str, np.ndarray]:
    """Per quarter: mean of A and of B with bands, and of the paired difference B − A."""
    steps = min(len(df) for df in [*comp.a_runs, *comp.b_runs]) if comp.seeds else 0
    a = _matrix(comp.a_runs[: comp.seeds], outcome, steps)
    b = _matrix(comp.b_runs[: comp.seeds], outcome, steps)
    out = {"step": np.arange(1, steps + 1, dtype=float)}
    for name, matrix in (("a", a), ("b", b), ("diff", b - a)):
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = band(matrix)
    return out


def summary(comp: Comparison, outcomes: tuple[str, ...] = OUTCOMES) -> pd.DataFrame:
    """One row per outcome: how a run is summarised, A, B, and B − A with its 95% interval."""
    from analysis.stats import mean_ci
    from analysis.theme import summary_column
    from sim import summarise

    rows = []
    sa = pd.DataFrame([summarise(df) for df in comp.a_runs[: comp.seeds]])
    sb = pd.DataFrame([summarise(df) for df in comp.b_runs[: comp.seeds]])
    for outcome in outcomes:
        col = summary_column(outcome)
        if col not in sa or col not in sb:
            continue
        diff = sb[col].to_numpy(dtype=float) - sa[col].to_numpy(dtype=float)
        d, lo, hi = mean_ci(diff)
        rows.append({"outcome": outcome, "how": "run mean" if col.endswith("_mean") else "final",
                     "a": mean_ci(sa[col])[0], "b": mean_ci(sb[col])[0], "diff": d, "lo": lo,
                     "hi": hi, "pairs": int(np.isfinite(diff).sum())})
    return pd.DataFrame(rows)


def verdict(row: dict | pd.Series) -> str:
    """``higher under B``, ``lower under B``, or why the runs do not separate A and B."""
    if row["pairs"] == 0:
        return "undefined in every run"
    if row["pairs"] < 2:
        return "one seed: no interval"
    if row["lo"] > 0:
        return "higher under B"
    if row["hi"] < 0:
        return "lower under B"
    if row["lo"] == row["hi"] == 0:
        return "identical"
    return "no clear difference (the interval includes 0)"


def sentences(comp: Comparison, table: pd.DataFrame) -> list[str]:
    """A plain-language summary of the comparison, computed from the runs."""
    from experiments.explore.svg import number
    from sim.metrics import OUTCOMES as UNITS

    n = comp.seeds
    out = [f"{n} seed{'s' if n != 1 else ''}, each run under both scenarios, {comp.a.steps} "
           f"quarters. A: {comp.a.label()}. B: {comp.b.label()}."]
    if not comp.a.differences(dataclasses.replace(comp.b, seed=comp.a.seed,
                                                  steps=comp.a.steps)):
        out.append("A and B are the same scenario, so every difference is zero.")
    clear = [r for _, r in table.iterrows() if verdict(r) in ("higher under B", "lower under B")]
    if len(table):
        out.append(f"{len(clear)} of {len(table)} outcomes differ clearly at 95%"
                   + (": " + ", ".join(f"{r['outcome']} {verdict(r).split()[0]}"
                                       for r in clear) + " under B." if clear else "."))
    for _, r in table.iterrows():
        unit = UNITS.get(r["outcome"], ("", ""))[0]
        # a scale such as 0-10000 or share says nothing after a difference
        unit = "" if not unit or unit[0].isdigit() or unit in ("-", "share", "flag") else " " + unit
        out.append(f"{r['outcome']} ({r['how']}): {verdict(r)}; B − A = {number(r['diff'])}"
                   f"{unit} (95% CI {number(r['lo'])} to {number(r['hi'])}); "
                   f"A {number(r['a'])}, B {number(r['b'])}.")
    return out
