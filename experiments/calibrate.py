"""Calibrate the ``baseline`` experiment to the brief's present-day bands.

A repeatable search, in four stages, over the parameters in :data:`FREE` (the ones the
calibration targets are most sensitive to and the data say least about):

1. **explore**: a scrambled Sobol sample of ``--points`` parameter sets, each run on the same
   ``--seeds`` seeds (common random numbers, so candidates differ by their parameters, not
   their luck), scored by :func:`analysis.calibration.loss` of the seed means;
2. **refine**: the ``--keep`` best sets run again on ``--refine-seeds`` new seeds;
3. **polish**: Nelder-Mead from the best refined set, on the refine seeds (common random
   numbers make the objective deterministic), at most ``--polish-evals`` evaluations, in
   coordinates scaled to the bounds and clipped to them; the lowest loss seen is chosen;
4. **validate**: the chosen set runs as the ``baseline`` experiment itself, on its own
   replicate seeds (``run.seed`` 0, ``run.replicates`` ``--validate-seeds``), which the search
   never saw; the table of means, spreads and bands is printed and saved.

Everything else is the baseline experiment's configuration (``configs/experiment/
baseline.yaml``). The result goes to ``experiments/calibration.json`` and its tables into
``docs/CALIBRATION.md`` (between the calibration markers). The chosen values are
the schema defaults in ``sim/params.py``; ``tests/test_calibration_record.py`` checks that
they agree with the record, and the ``slow`` test ``tests/verification/test_calibration.py``
that the baseline stays in band.

Usage::

    python experiments/calibrate.py                   # the recorded search (about 15 min)
    python experiments/calibrate.py --revalidate      # stage 4 only, for the recorded choice
    python experiments/calibrate.py --points 16 --seeds 2 --keep 2 --refine-seeds 4 \
        --validate-seeds 6 --out /tmp/calibration.json  # a quick try
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from analysis.calibration import (
    TARGETS,
    loss,
    render_markdown,
    replace_block,
    statistics,
    summarise,
)

if TYPE_CHECKING:
    from sim.params import Params

ROOT = Path(__file__).resolve().parents[1]

#: free parameters and their search bounds
FREE: dict[str, tuple[float, float]] = {
    "labs.funding_growth": (0.12, 0.25),
    "labs.funding_traction": (0.0, 1.0),
    "openness.community_value": (0.0, 6.0),
    "openness.cannibalisation": (0.0, 1.0),
    "openness.rival_catch_up_cost": (0.0, 4.0),
    "openness.choice_beta": (1.0, 20.0),
}
LO = np.array([b[0] for b in FREE.values()])
HI = np.array([b[1] for b in FREE.values()])
SEARCH_SEED = 20261122  # of the Sobol scramble and of the search's simulation seeds


def overrides(values: dict[str, float]) -> list[str]:
    """Hydra overrides for one parameter set, on top of the baseline experiment."""
    return ["+experiment=baseline", "run.replicates=1", "run.progress=false",
            *(f"{k}={v!r}" for k, v in values.items())]


@functools.lru_cache(maxsize=16)
def composed(items: tuple[tuple[str, float], ...]) -> Params:
    """The parameters of one set, composed once per worker process (not once per seed)."""
    from experiments.cli.config import compose_params
    return compose_params(overrides(dict(items)))[0]


def evaluate(values: dict[str, float], seed: int) -> dict[str, float]:
    """Target statistics of one parameter set on one seed."""
    from sim import run
    params = composed(tuple(values.items()))
    return statistics(run(params, rng=np.random.SeedSequence(seed)).metrics)


def seed_means(per_seed: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each statistic over seeds."""
    return {t.name: float(np.mean([d[t.name] for d in per_seed])) for t in TARGETS}


def sobol_sets(n: int) -> list[dict[str, float]]:
    """``n`` parameter sets from a scrambled Sobol sequence over :data:`FREE`."""
    sample = qmc.Sobol(d=len(FREE), scramble=True, seed=SEARCH_SEED).random(n)
    return [as_values(row) for row in sample]


def as_values(unit: np.ndarray) -> dict[str, float]:
    """The parameter set at ``unit`` (coordinates in [0, 1], clipped), rounded to 4 decimals."""
    x = LO + np.clip(unit, 0.0, 1.0) * (HI - LO)
    return {k: round(float(v), 4) for k, v in zip(FREE, x, strict=True)}


def as_unit(values: dict[str, float]) -> np.ndarray:
    """Coordinates in [0, 1] of a parameter set."""
    return (np.array([values[k] for k in FREE]) - LO) / (HI - LO)


Scored = tuple[float, dict[str, float], dict[str, float]]


def score_all(pool: ProcessPoolExecutor, sets: list[dict[str, float]], seeds: list[int],
              label: str) -> list[Scored]:
    """Loss, parameter set and seed means of every set (in the order given)."""
    futures = [[pool.submit(evaluate, s, seed) for seed in seeds] for s in sets]
    out = []
    for i, (s, futs) in enumerate(zip(sets, futures, strict=True)):
        means = seed_means([f.result() for f in futs])
        out.append((loss(means), s, means))
        print(f"\r{label}: {i + 1}/{len(sets)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


def polish(pool: ProcessPoolExecutor, start: dict[str, float], seeds: list[int],
           evals: int) -> list[Scored]:
    """Nelder-Mead from ``start`` on fixed seeds; every evaluation, in order."""
    seen: list[Scored] = []

    def objective(unit: np.ndarray) -> float:
        seen.extend(score_all(pool, [as_values(unit)], seeds, f"polish {len(seen) + 1}"))
        return seen[-1][0]

    minimize(objective, as_unit(start), method="Nelder-Mead",
             options={"maxfev": evals, "initial_simplex": simplex(as_unit(start)),
                      "xatol": 1e-3, "fatol": 1e-3})
    return seen


def simplex(x0: np.ndarray, step: float = 0.1) -> np.ndarray:
    """A starting simplex of ``step`` (a tenth of each range) around ``x0``, inside bounds."""
    pts = [x0]
    for i in range(x0.size):
        x = x0.copy()
        x[i] = x[i] + step if x[i] + step <= 1.0 else x[i] - step
        pts.append(x)
    return np.array(pts)


def validate_baseline(values: dict[str, float], n: int,
                      jobs: int = 1) -> list[dict[str, float]]:
    """The baseline experiment's own replicates (``run.seed=0``) with ``values``."""
    from experiments.cli.config import compose_params
    from sim import run_replicates
    params, _ = compose_params([*overrides(values), "run.seed=0", f"run.replicates={n}"])
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else contextlib.nullcontext()
    with pool as executor:  # run_replicates runs them one after another without one
        return [statistics(r.metrics) for r in run_replicates(params, executor=executor)]


def revalidate(out: Path, docs: Path, n: int | None = None, jobs: int = 1) -> int:
    """Stage 4 again for the recorded choice (on ``n`` replicates, default: as recorded);
    the record's validation table is replaced."""
    record = json.loads(out.read_text())
    n = n or record["stages"]["validate"]["run.replicates"]
    record["stages"]["validate"]["run.replicates"] = n
    table = summarise(validate_baseline(record["chosen"], n, jobs))
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    record["validation"] = table.to_dict(orient="records")
    record["all_in_band"] = bool(table["in_band"].all())
    record["revalidated"] = time.strftime("%Y-%m-%d")
    out.write_text(json.dumps(record, indent=2) + "\n")
    if docs.is_file():
        docs.write_text(replace_block(docs.read_text(), render_markdown(record)))
    return 0 if record["all_in_band"] else 1


def main(argv: list[str] | None = None) -> int:
    """Run the search and write the record."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=128, help="Sobol points (a power of 2)")
    ap.add_argument("--seeds", type=int, default=4, help="seeds per point in stage 1")
    ap.add_argument("--keep", type=int, default=6, help="best points refined in stage 2")
    ap.add_argument("--refine-seeds", type=int, default=16, help="seeds per point in stage 2")
    ap.add_argument("--polish-evals", type=int, default=60,
                    help="Nelder-Mead evaluations in stage 3")
    ap.add_argument("--validate-seeds", type=int, default=None,
                    help="replicates in stage 4 (default: 20; with --revalidate, as recorded)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "calibration.json")
    ap.add_argument("--revalidate", action="store_true",
                    help="only rerun stage 4 for the recorded choice (after a code change "
                         "that should not move the fit) and update the record")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs" / "CALIBRATION.md",
                    help="document whose result tables are rewritten ('' for none)")
    args = ap.parse_args(argv)
    if args.revalidate:
        return revalidate(args.out, args.docs, args.validate_seeds, args.jobs)
    args.validate_seeds = args.validate_seeds or 20
    start = time.perf_counter()
    base = 10_000 * (SEARCH_SEED % 1000)
    explore_seeds = list(range(base, base + args.seeds))
    refine_seeds = list(range(base + 1000, base + 1000 + args.refine_seeds))

    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        explored = score_all(pool, sobol_sets(args.points), explore_seeds, "explore")
        best = sorted(explored, key=lambda r: r[0])[: args.keep]
        refined = score_all(pool, [s for _, s, _ in best], refine_seeds, "refine")
        best_refined = min(refined, key=lambda r: r[0])[1]
        polished = polish(pool, best_refined, refine_seeds, args.polish_evals)
    chosen_loss, chosen, _ = min(refined + polished, key=lambda r: r[0])
    # the search's result, kept before the validation runs (a failure there must not lose it)
    partial = args.out.with_suffix(".search.json")
    partial.write_text(json.dumps({"chosen": chosen, "loss": chosen_loss,
                                   "refined": [{"loss": lo, "values": s, "means": m}
                                               for lo, s, m in refined]}, indent=2) + "\n")
    print(f"searched: {chosen} (loss {chosen_loss:.4g}); kept in {partial}", flush=True)
    table = summarise(validate_baseline(chosen, args.validate_seeds, args.jobs))
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    record = {
        "command": "python experiments/calibrate.py " + " ".join(argv or sys.argv[1:]),
        "free": {k: list(v) for k, v in FREE.items()},
        "search_seed": SEARCH_SEED,
        "stages": {"explore": {"points": args.points, "seeds": explore_seeds},
                   "refine": {"keep": args.keep, "seeds": refine_seeds},
                   "polish": {"evaluations": len(polished), "seeds": refine_seeds},
                   "validate": {"run.seed": 0, "run.replicates": args.validate_seeds}},
        "chosen": chosen,
        "loss": chosen_loss,
        "refined": [{"loss": lo, "values": s, "means": m} for lo, s, m in refined],
        "validation": table.to_dict(orient="records"),
        "all_in_band": bool(table["in_band"].all()),
        "wall_seconds": round(time.perf_counter() - start, 1),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    partial.unlink(missing_ok=True)  # the record holds it now
    if args.docs.is_file():
        args.docs.write_text(replace_block(args.docs.read_text(), render_markdown(record)))
    print(f"chosen: {chosen}\nwritten: {args.out} ({record['wall_seconds']} s)")
    return 0 if record["all_in_band"] else 1


if __name__ == "__main__":
    sys.exit(main())
