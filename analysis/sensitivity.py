"""Global sensitivity analysis with SALib: designs, indices with intervals, seed variance.

A study samples its factors in the unit hypercube (SALib's Morris trajectories and Saltelli's
scheme over a scrambled Sobol' sequence) and maps the samples onto the factors' plausible
ranges by their inverse CDFs (:meth:`sim.params.plausible.Factor.values`); Sobol' indices do
not change under such a map of independent inputs, so the analysis runs on the unit
samples. Invariants the study relies on:

- a design of size N is the first rows of any larger design with the same seed (checked
  here for SALib's samplers), so a larger N extends a smaller study;
- each design point runs with the same replicate seeds (common random numbers), and its
  outcome is the mean over them; the seed's share of variance is the mean variance between
  seeds at a point over the total variance of single runs;
- an index is reported with its 95% bootstrap interval (SALib's), and a negative index
  whose interval covers zero is shown as zero (:func:`shown`).

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Computer
Physics Communications 181, 259-270. Campolongo, F., Cariboni, J. & Saltelli, A. (2007).
An effective screening design for sensitivity analysis of large models. Environmental
Modelling & Software 22, 1509-1518. Herman, J. & Usher, W. (2017). SALib. JOSS 2(9), 97.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

METHODS = ("morris", "sobol")
#: designs without indices: a Latin hypercube (scenario discovery)
DESIGNS = (*METHODS, "lhs")
#: fewest Sobol' base samples and Morris trajectories a study accepts
MIN_N = {"sobol": 8, "morris": 4}
LEVELS = 4  # Morris grid levels (p = 4, Campolongo et al. 2007)
RESAMPLES = 500
CONF = 0.95


def problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib's problem over the unit hypercube, one dimension per factor."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def check_size(method: str, n: int) -> str | None:
    """Why ``n`` is too small or malformed for ``method``, or None if it will do."""
    if method == "lhs":
        return None if n >= 10 else "a Latin hypercube needs at least 10 samples"
    if method not in METHODS:
        return "choose one of: " + ", ".join(METHODS)
    if n < MIN_N[method]:
        what = "base samples" if method == "sobol" else "trajectories"
        return f"{method} needs at least {MIN_N[method]} {what}"
    if method == "sobol" and n & (n - 1):
        return "Sobol' base samples must be a power of 2 (8, 16, 32, 64, ...)"
    return None


def rows_per_unit(method: str, k: int, second_order: bool = False) -> int:
    """Design rows per base sample (Sobol') or per trajectory (Morris) for ``k`` factors."""
    if method == "morris":
        return k + 1
    return 2 * k + 2 if second_order else k + 2


def design(method: str, names: Sequence[str], n: int, seed: int,
           second_order: bool = False) -> np.ndarray:
    """Unit-hypercube samples: ``n`` Morris trajectories, Sobol' base samples or LHS points."""
    from SALib.sample import morris, sobol

    if method == "lhs":
        from scipy.stats import qmc

        return np.asarray(qmc.LatinHypercube(d=len(names), seed=seed).random(n), dtype=float)

    prob = problem(names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about N it then handles
        if method == "morris":
            x = morris.sample(prob, n, num_levels=LEVELS, seed=seed)
        else:
            x = sobol.sample(prob, n, calc_second_order=second_order, seed=seed)
    return np.asarray(x, dtype=float)


def seed_share(y: np.ndarray) -> tuple[float, float]:
    """Share of variance due to the seed: (of single runs, of the replicate means).

    ``y`` has one row per design point and one column per replicate. NaN with one replicate.
    """
    y = np.asarray(y, dtype=float)
    if y.shape[1] < 2:
        return math.nan, math.nan
    within = float(np.nanmean(np.nanvar(y, axis=1, ddof=1)))
    total = float(np.nanvar(y, ddof=1))
    means = float(np.nanvar(np.nanmean(y, axis=1), ddof=1))
    if total <= 0:
        return 0.0, 0.0
    return within / total, min(1.0, (within / y.shape[1]) / means) if means > 0 else math.nan


def indices(method: str, names: Sequence[str], x: np.ndarray, y: np.ndarray,
            second_order: bool = False, seed: int = 0) -> pd.DataFrame:
    """Tidy indices of one outcome: ``factor, index, value, lo, hi`` (95% intervals).

    Sobol': ``S1`` and ``ST`` (and ``S2`` of pairs with ``second_order``); Morris: ``mu_star``
    (with its bootstrap interval) and ``sigma``, both in outcome units per whole range.
    """
    from SALib.analyze import morris, sobol

    prob = problem(names)
    seed = bootstrap_seed(seed)
    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if method == "morris":
            res = morris.analyze(prob, x, y, num_resamples=RESAMPLES, conf_level=CONF,
                                 num_levels=LEVELS, seed=seed)
            for i, name in enumerate(names):
                m, h = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
                rows.append(_row(name, "mu_star", m, m - h, m + h))
                s = float(res["sigma"][i])
                rows.append(_row(name, "sigma", s, math.nan, math.nan))
        else:
            res = sobol.analyze(prob, y, calc_second_order=second_order,
                                num_resamples=RESAMPLES, conf_level=CONF, seed=seed)
            for key in ("S1", "ST"):
                for i, name in enumerate(names):
                    v, h = float(res[key][i]), float(res[f"{key}_conf"][i])
                    rows.append(_row(name, key, v, v - h, v + h))
            if second_order:
                for i in range(len(names)):
                    for j in range(i + 1, len(names)):
                        v, h = float(res["S2"][i, j]), float(res["S2_conf"][i, j])
                        rows.append(_row(f"{names[i]} x {names[j]}", "S2", v, v - h, v + h))
    return pd.DataFrame(rows)


def bootstrap_seed(seed: int) -> int:
    """A non-zero seed for SALib's bootstrap, derived from the study's seed.

    SALib 1.6 seeds its bootstrap only ``if seed:``, so a seed of 0 silently draws from the
    global generator and the intervals change from one analysis to the next.
    """
    return int(np.random.SeedSequence([seed, 17]).generate_state(1)[0]) or 1


def _row(factor: str, index: str, value: float, lo: float, hi: float) -> dict[str, Any]:
    return {"factor": factor, "index": index, "value": value, "lo": lo, "hi": hi}


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the values a report shows (``zeroed`` marks the changed rows).

    A negative index whose interval covers zero becomes zero (its interval clipped at
    zero), as sampling noise.

    Sobol' indices are variance shares, so a small negative estimate is noise; one whose
    interval lies wholly below zero is kept, as it signals a problem with the study.
    """
    out = table.copy()
    neg = (out["index"].isin(["S1", "ST", "S2"]) & (out["value"] < 0) & (out["hi"] >= 0))
    out["zeroed"] = neg
    out.loc[neg, "value"] = 0.0
    out.loc[neg, "lo"] = np.maximum(out.loc[neg, "lo"], 0.0)
    return out


def convergence(names: Sequence[str], x: np.ndarray, y: np.ndarray, n: int,
                second_order: bool = False, seed: int = 0) -> pd.DataFrame:
    """Sobol' indices of one outcome computed on the first N' base samples, N' = 8, 16, ..., n."""
    per = rows_per_unit("sobol", len(names), second_order)
    parts = []
    size = MIN_N["sobol"]
    while size <= n:
        t = indices("sobol", names, x[:size * per], y[:size * per], second_order, seed)
        t = t[t["index"].isin(["S1", "ST"])]
        parts.append(t.assign(n=size))
        size *= 2
    return pd.concat(parts, ignore_index=True)
