"""The effects a report states, with their intervals.

Seeds are shared across the cells of a sweep: replicate ``i`` of every setting draws from
``SeedSequence(run.seed, spawn_key=(i,))``, and the model keys its random streams by
mechanism and entity (common random numbers). A setting is therefore compared with the
reference cell seed by seed: its effect is the mean of the paired differences, with a
Student-t interval of that mean over the pairs (clipped to what a difference of a bounded
outcome can be: [-1, 1] for a share). A contrast between two levers (does the
effect of one depend on the other?) is a difference of paired differences, again per seed.

Cell means get intervals that respect the outcome's range: outcomes that cannot be negative
(shares, counts, HHI, harm) a bootstrap percentile interval, which never leaves the range of
the data; other outcomes a t-interval. One seed gives no interval (NaN bounds), and an
effect that is the same in every seed (both cells fixed by the regime) gives none either and
says so instead of showing a zero-width interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.theme import num, summary_column
from sim.metrics import OUTCOMES

#: columns that name a run's random numbers: runs of two cells with the same values pair
UNIT = ("seed", "replicate")
#: units of outcomes that cannot be negative
NONNEGATIVE = {"share", "0-1", "0-10000", "count", "count/quarter", "harm units/quarter",
               "mu/quarter", "contributions/quarter", "quarters", "flag"}
N_BOOT = 2000
#: the largest value of outcomes with a bounded unit (a difference of two lies in [-b, b])
UPPER = {"share": 1.0, "0-1": 1.0, "0-10000": 10000.0, "flag": 1.0}


def nonnegative(outcome: str) -> bool:
    """Whether ``outcome`` cannot be negative (its interval must not be either)."""
    return OUTCOMES.get(outcome, ("", ""))[0] in NONNEGATIVE


def _finite(values: pd.Series | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def mean_ci(values: pd.Series | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``level`` t-interval (NaN bounds for fewer than two values)."""
    x = _finite(values)
    if x.size == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if x.size < 2:
        return m, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return m, m - half, m + half


def bootstrap_ci(values: pd.Series | np.ndarray, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float, float]:
    """Mean and its bootstrap percentile interval (inside the data's range by construction)."""
    x = _finite(values)
    if x.size == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if x.size < 2:
        return m, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(N_BOOT, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return m, float(lo), float(hi)


def cell_ci(values: pd.Series | np.ndarray, outcome: str) -> tuple[float, float, float]:
    """A cell's mean and interval: bootstrap for non-negative outcomes, t otherwise."""
    return bootstrap_ci(values) if nonnegative(outcome) else mean_ci(values)


def span(outcome: str) -> float:
    """The largest possible difference between two values of ``outcome`` (inf if unbounded)."""
    return UPPER.get(OUTCOMES.get(outcome, ("", ""))[0], float("inf"))


def fixed_value(values: pd.Series | np.ndarray) -> float | None:
    """The value every seed gives, or None if the seeds differ (or there is one seed)."""
    x = _finite(values)
    if x.size < 2 or not np.all(x == x[0]):
        return None
    return float(x[0])


@dataclass(frozen=True)
class Effect:
    """A paired contrast of one outcome over the seeds two (or four) cells share."""

    outcome: str
    diffs: np.ndarray = field(repr=False)
    base: float = float("nan")  #: the reference cell's mean over the same seeds
    span: float = float("inf")  #: the largest possible |contrast| (bounded outcomes)

    @property
    def n(self) -> int:
        """Seeds (pairs) the contrast is computed over."""
        return int(self.diffs.size)

    @property
    def mean(self) -> float:
        """The mean contrast."""
        return float(self.diffs.mean()) if self.n else float("nan")

    @property
    def fixed(self) -> bool:
        """The contrast is the same in every seed: no interval, nothing random about it."""
        return fixed_value(self.diffs) is not None

    @property
    def ci(self) -> tuple[float, float]:
        """The 95% t-interval of the mean contrast (NaN for fewer than two seeds)."""
        _, lo, hi = mean_ci(self.diffs)
        return max(lo, -self.span), min(hi, self.span)

    @property
    def clear(self) -> bool:
        """The 95% interval excludes zero (never with one seed or a fixed contrast)."""
        lo, hi = self.ci
        return self.n >= 2 and not self.fixed and (lo > 0 or hi < 0)

    @property
    def relative(self) -> float:
        """The contrast as a share of the reference mean (NaN if that is 0)."""
        return self.mean / self.base if self.base and np.isfinite(self.base) else float("nan")

    def text(self, relative: bool = True) -> str:
        """``+1.2 [0.8, 1.6] (+35%)``, or why there is no interval."""
        if self.n == 0:
            return "undefined (no seed where both cells define it)"
        sign = f"{'+' if self.mean > 0 else ''}{num(self.mean)}"
        digits = ".0%" if abs(self.relative) >= 0.01 else ".2%"
        rel = (f" ({'+' if self.relative > 0 else ''}{self.relative:{digits}})"
               if relative and np.isfinite(self.relative) and self.mean != 0 else "")
        if self.fixed:  # flags say why: fixed by the regime, or a lever that does not reach it
            return (f"{sign}{rel} in every seed (no seed-to-seed variation)" if self.mean
                    else "0 in every seed (identical)")
        if self.n < 2:
            return f"{sign}{rel} (one seed: no interval)"
        lo, hi = self.ci
        return f"{sign} [{num(lo)}, {num(hi)}]{rel}"

    def verdict(self) -> str:
        """``clear at 95%``, ``not clear at 95%``, or nothing where no interval exists."""
        if self.fixed or self.n < 2:
            return ""
        return "clear at 95%" if self.clear else "not clear at 95%"


def cell(summary: pd.DataFrame, where: dict[str, Any]) -> pd.DataFrame:
    """The runs of one cell, indexed by their seed (:data:`UNIT`)."""
    mask = np.ones(len(summary), dtype=bool)
    for key, value in where.items():
        mask &= (summary[key] == value).to_numpy()
    return summary[mask].set_index(list(UNIT))


def paired(summary: pd.DataFrame, outcome: str, treated: dict[str, Any],
           reference: dict[str, Any]) -> Effect:
    """Mean over shared seeds of (outcome in ``treated``) - (outcome in ``reference``)."""
    col = summary_column(outcome)
    a, b = cell(summary, treated)[col], cell(summary, reference)[col]
    both = a.index.intersection(b.index)
    d = (a.loc[both] - b.loc[both]).to_numpy(dtype=float)
    ok = np.isfinite(d)
    base = b.loc[both].to_numpy(dtype=float)[ok]
    return Effect(outcome, d[ok], float(base.mean()) if base.size else float("nan"),
                  span(outcome))


def interaction(summary: pd.DataFrame, outcome: str, first: str, second: str,
                levels: tuple[Any, Any, Any, Any], rest: dict[str, Any]) -> Effect:
    """Per seed: the effect of ``first`` (a0 -> a1) at ``second = b1`` minus at ``b0``.

    ``levels`` is (a0, a1, b0, b1); ``rest`` fixes any other lever. The base of the
    returned effect is the effect at ``b0``, so its relative size reads "the effect at b1
    is x% larger (or smaller) than at b0".
    """
    a0, a1, b0, b1 = levels
    col = summary_column(outcome)
    parts = [cell(summary, {**rest, first: a, second: b})[col]
             for a, b in ((a1, b1), (a0, b1), (a1, b0), (a0, b0))]
    both = parts[0].index
    for p in parts[1:]:
        both = both.intersection(p.index)
    x = [p.loc[both].to_numpy(dtype=float) for p in parts]
    at_b0 = x[2] - x[3]
    d = (x[0] - x[1]) - at_b0
    ok = np.isfinite(d)
    return Effect(outcome, d[ok], float(at_b0[ok].mean()) if ok.any() else float("nan"),
                  2 * span(outcome))


def means_table(summary: pd.DataFrame, levers: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per cell: seeds, and mean [95% interval] of each outcome."""
    groups = summary.groupby(levers, observed=True, sort=True) if levers else [((), summary)]
    rows = []
    for key, grp in groups:
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(levers, key, strict=True))
        row["seeds"] = len(grp)
        for outcome in outcomes:
            values = grp[summary_column(outcome)]
            m, lo, hi = cell_ci(values, outcome)
            if fixed_value(values) is not None:
                row[outcome] = f"{num(m)} (the same in every seed)"
            elif np.isfinite(lo):
                row[outcome] = f"{num(m)} [{num(lo)}, {num(hi)}]"
            else:
                row[outcome] = num(m)
        rows.append(row)
    return pd.DataFrame(rows)
