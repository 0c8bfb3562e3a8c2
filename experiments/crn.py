"""How much common random numbers buy: paired against unpaired differences between regimes.

For each comparison (two regulation regimes, two openness regimes) both scenarios run with
the same ``N`` seeds. A *paired* difference subtracts the two runs of one seed; an
*unpaired* one subtracts runs of different seeds, whose variance is the sum of the two
scenarios' variances. The ratio of the two variances is the factor by which pairing shrinks
the variance of an estimated regime difference (its confidence interval narrows by the
square root). Results go to ``docs/figures/crn.json`` and a table on stdout, which
``docs/VERIFICATION.md`` quotes.

Run::

    python -m experiments.crn            # 40 seeds, population=small, 40 quarters
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim import Params, run_replicates

OUTCOMES = ("hhi", "harm", "meaningful_access")
COMPARISONS = {
    "regulation: laissez_faire vs risk_tiered (openness=staged)": (
        {"openness": "staged", "regulation": "laissez_faire"},
        {"openness": "staged", "regulation": "risk_tiered"}),
    "regulation: laissez_faire vs liability (openness=open_weights)": (
        {"openness": "open_weights", "regulation": "laissez_faire"},
        {"openness": "open_weights", "regulation": "liability"}),
    "openness: closed vs open_weights": ({"openness": "closed"}, {"openness": "open_weights"}),
    "openness: api_only vs endogenous": ({"openness": "api_only"}, {"openness": "endogenous"}),
}


def run_means(options: dict[str, str], seeds: int, pool: ProcessPoolExecutor) -> dict:
    """Run mean of each outcome for each of ``seeds`` replicates of one scenario."""
    params = Params.from_options(population="small", **options,
                                 overrides={"run.replicates": seeds, "run.progress": False})
    results = run_replicates(params, executor=pool)
    return {o: np.array([r.summary()[f"{o}_mean"] for r in results]) for o in OUTCOMES}


def compare(a: dict, b: dict) -> dict[str, dict[str, float]]:
    """Variance of paired and of unpaired differences, and their ratio, per outcome."""
    out = {}
    for o in OUTCOMES:
        ok = np.isfinite(a[o]) & np.isfinite(b[o])
        x, y = a[o][ok], b[o][ok]
        paired = float(np.var(x - y, ddof=1))
        unpaired = float(np.var(x, ddof=1) + np.var(y, ddof=1))
        out[o] = {"mean_difference": float(np.mean(x - y)), "var_paired": paired,
                  "var_unpaired": unpaired, "seeds": int(ok.sum()),
                  "reduction": unpaired / paired if paired > 0 else float("inf")}
    return out


def main(argv: list[str] | None = None) -> None:
    """Run every comparison and print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs/figures/crn.json"))
    ns = parser.parse_args(argv)
    start = time.perf_counter()
    table = {}
    with ProcessPoolExecutor(ns.workers) as pool:
        for name, (a, b) in COMPARISONS.items():
            print(f"{name} ...", file=sys.stderr, flush=True)
            table[name] = compare(run_means(a, ns.seeds, pool), run_means(b, ns.seeds, pool))
    print(f"{'comparison':62s} {'outcome':18s} {'difference':>11s} {'var paired':>11s} "
          f"{'var unpaired':>12s} {'reduction':>9s}")
    for name, rows in table.items():
        for o, r in rows.items():
            print(f"{name:62s} {o:18s} {r['mean_difference']:11.4g} {r['var_paired']:11.3g} "
                  f"{r['var_unpaired']:12.3g} {r['reduction']:9.1f}")
    info = {"command": "python -m experiments.crn " + " ".join(argv or sys.argv[1:]),
            "seeds": ns.seeds, "population": "small", "steps": 40,
            "statistic": "run mean of each outcome", "wall_s": time.perf_counter() - start,
            "comparisons": table}
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(info, indent=2) + "\n")
    print(f"written: {ns.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
