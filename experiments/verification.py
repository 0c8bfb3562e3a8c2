"""Figures and measured errors of the verification cases, for ``docs/VERIFICATION.md``.

Each case runs the checks of ``tests/verification/verification_checks.py`` with the same
parameters and seeds as the tests, so the numbers recorded here are the tests' own: for
each check its statistic, reference, error and tolerance, and for each mutation check the
same for the deliberately broken model (``verification_mutants.py``), which must fail.
Outputs: ``docs/figures/verification/<case>.png`` and ``results.json`` beside them.

Usage (from a checkout: the checks live in ``tests/``)::

    python experiments/verification.py                 # every case (a few minutes)
    python experiments/verification.py --case race     # one case
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numba
import numpy as np

from analysis.theme import PALETTE, set_theme
from sim import theory

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "verification"
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "verification")]

import han2020 as paper  # noqa: E402  (tests/, on the path above)
import test_anderson  # noqa: E402
import test_bass  # noqa: E402
import test_fermi  # noqa: E402
import test_race  # noqa: E402
import verification_checks as vc  # noqa: E402
from verification_mutants import MUTANTS, mutant  # noqa: E402

Case = Callable[[], tuple[plt.Figure, dict[str, Any]]]


def mutation(name: str, check: Callable[[], vc.Check]) -> tuple[dict[str, Any], vc.Check]:
    """Run ``check`` on the mutant ``name``; the record says what broke and whether it failed."""
    with mutant(name):
        c = check()
    return {"mutant": name, "breaks": MUTANTS[name].breaks, "detected": not c.passed,
            **c.record()}, c


# -- Han et al. race ---------------------------------------------------------------------
def case_race() -> tuple[plt.Figure, dict[str, Any]]:
    """Matrix and boundaries (exact), side of x*, stationary share at Z = 100."""
    base = test_race.race()
    exact = [vc.matrix_check(dataclasses.replace(base, speed_factor=s, disaster_risk=p))
             for s, p in test_race.GRID]
    boundaries = [c for s in (1.2, 1.5, 2.0, 3.0, 5.0)
                  for c in vc.boundary_checks(dataclasses.replace(base, speed_factor=s), 100)]
    approx = [{"s": s, **paper.paper_boundaries(dataclasses.replace(base, speed_factor=s), 100),
               "approx_risk_dominance": 1 - 1 / (3 * s), "approx_welfare": 1 - 1 / s,
               **{f"deviation_{k}": v for k, v in paper.paper_approximation_errors(
                   dataclasses.replace(base, speed_factor=s)).items()}}
              for s in (1.2, 1.5, 2.0, 3.0, 5.0)]
    sides = [vc.side_check(s, p) for s, p in test_race.SIDE_CASES]
    stationary = [test_race.stationary(s, p) for s, p in test_race.STATIONARY]
    r15 = dataclasses.replace(base, speed_factor=1.5, disaster_risk=0.8)
    mutants = [
        mutation("payoff_collective_risk", lambda: vc.matrix_check(r15))[0],
        mutation("payoff_collective_risk",
                 lambda: vc.boundary_checks(dataclasses.replace(base, speed_factor=1.5),
                                            100)[0])[0],
        mutation("payoff_unsafe_ignores_risk", lambda: vc.side_check(2.0, 0.84))[0],
        mutation("imitation_explores_safe", lambda: test_race.stationary(1.5, 0.76))[0],
        mutation("payoff_unsafe_pair_ignores_risk", lambda: test_race.stationary(1.5, 0.80))[0],
    ]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), sharey=True, layout="constrained")
    z, beta, mu = 100, base.selection_intensity, base.mutation
    grid = np.linspace(0.0, 0.999, 400)
    for ax, s in zip(axes, (1.5, 3.0), strict=True):
        r = dataclasses.replace(base, speed_factor=s)
        ms = [paper.paper_matrix_of(r, p) for p in grid]
        ax.plot(grid, [theory.stationary_share(m, z, beta, mu) for m in ms], color="grey",
                label=f"exact stationary share (Z={z}, β={beta}, mutation {mu})")
        ax.plot(grid, [paper.paper_small_mutation_share(m, z, beta) for m in ms], color="grey",
                ls=":", label="small-mutation limit (fixation probabilities)")
        pts = [(p, c) for (s2, p), c in zip(test_race.STATIONARY, stationary, strict=True)
               if s2 == s]
        ax.errorbar([p for p, _ in pts], [c.statistic for _, c in pts],
                    yerr=[c.tolerance for _, c in pts], fmt="o", color=PALETTE[0], ms=4,
                    capsize=3, label="model: time average (± tolerance, 4 SD)")
        b = paper.paper_boundaries(r, z)
        ax.axvspan(b["welfare"], b["risk_dominance"], color=PALETTE[1], alpha=0.08,
                   label="dilemma zone (welfare to risk dominance)")
        ax.axvline(b["risk_dominance_z"], color=PALETTE[1], label="risk dominance, Z = 100")
        ax.axvline(1 - 1 / (3 * s), color=PALETTE[1], ls=":", label="1 − 1/(3s)")
        ax.axvline(b["welfare"], color=PALETTE[2], label="welfare boundary")
        ax.axvline(1 - 1 / s, color=PALETTE[2], ls=":", label="1 − 1/s")
        ax.axhline(0.5, color="lightgrey", lw=0.8)
        ax.set(xlabel="disaster risk p_r", title=f"s = {s}", xlim=(0, 1))
    axes[0].set_ylabel("share of safe labs")
    axes[0].legend(fontsize=7, loc="upper left")
    return fig, {"matrix": [c.record() for c in exact], "max_matrix_error": max(
        c.statistic for c in exact), "boundaries": [c.record() for c in boundaries],
        "approximations": approx, "side": [c.record() for c in sides],
        "stationary": [c.record() for c in stationary], "mutants": mutants}


# -- Fermi -----------------------------------------------------------------------------
def case_fermi() -> tuple[plt.Figure, dict[str, Any]]:
    """Fixation probability of one mutant under neutral imitation against 1/Z."""
    zs = [4, 5, 8]
    checks = [vc.fermi_check(z, test_fermi.RUNS) for z in zs]
    record, broken = mutation("imitation_biased", lambda: vc.fermi_check(8, test_fermi.RUNS, 1))
    fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    zz = np.linspace(3.5, 8.5, 100)
    ax.plot(zz, 1 / zz, color="grey", label="1/Z")
    ax.errorbar(zs, [c.statistic for c in checks], yerr=[c.tolerance for c in checks],
                fmt="o", color=PALETTE[0], capsize=3,
                label=f"model ({test_fermi.RUNS} runs, ± tolerance)")
    ax.errorbar([8.1], [broken.statistic], yerr=[broken.tolerance], fmt="x", color=PALETTE[1],
                capsize=3, label="biased rule (mutant): fails")
    ax.set(xlabel="labs Z", ylabel="fixation probability of one safe lab",
           title="Neutral Fermi imitation")
    ax.legend()
    return fig, {"checks": [c.record() for c in checks], "mutants": [record]}


# -- Bass ------------------------------------------------------------------------------
def case_bass() -> tuple[plt.Figure, dict[str, Any]]:
    """Mean-field adoption against the closed form; the gap against population size."""
    checks = [vc.bass_check(p, q) for p, q in test_bass.CASES]
    scaling = vc.bass_scaling_check()
    network = vc.bass_network_check()
    mutants = [mutation("bass_euler", lambda: vc.bass_check(0.01, 0.1, seeds=1))[0],
               mutation("bass_euler", lambda: vc.bass_scaling_check(seeds=2))[0],
               mutation("bass_network_q_low", vc.bass_network_check)[0]]
    t = np.arange(1, vc.BASS_STEPS + 1)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for colour, (p, q) in zip(PALETTE, test_bass.CASES, strict=False):
        ax.plot(t, vc.bass_closed_form(p, q, t), color=colour, lw=2, alpha=0.5,
                label=f"F(t), p={p}, q={q}")
        ax.plot(t, vc.bass_path(p, q, 100_000, 0), "o", color=colour, ms=3,
                label="model, N = 1e5 (seed 0)")
    with mutant("bass_euler"):
        ax.plot(t, vc.bass_path(0.03, 0.38, 100_000, 0), "--", color="black", lw=1,
                label="Euler step (mutant), p=0.03, q=0.38")
    ax.set(xlabel="quarter", ylabel="adopted share", title="Bass: model vs closed form")
    ax.legend(fontsize=7)
    sizes = np.array(vc.BASS_SIZES)
    gaps = list(scaling.detail["gaps"].values())
    ax2.loglog(sizes, gaps, "o-", color=PALETTE[0], label="model: mean largest gap (8 seeds)")
    ax2.loglog(sizes, gaps[0] * np.sqrt(sizes[0] / sizes), "--", color="grey",
               label=r"$\propto 1/\sqrt{N}$")
    ax2.loglog(sizes, 4 * 0.5 / np.sqrt(sizes), ":", color=PALETTE[1],
               label="tolerance 4 × 0.5/√N")
    ax2.set(xlabel="users N", ylabel="largest |model − F(t)|", title="Gap shrinks with N")
    ax2.legend(fontsize=8)
    return fig, {"paths": [c.record() for c in checks], "scaling": scaling.record(),
                 "network": network.record(), "mutants": mutants}


# -- Anderson --------------------------------------------------------------------------
def case_anderson() -> tuple[plt.Figure, dict[str, Any]]:
    """Paired differences under common scaling, magnitude, asymmetries, and their mutants."""
    runs = test_anderson.RUNS
    sym = [vc.anderson_symmetry_check(f, runs) for f in vc.ANDERSON_FACTORS]
    mag = vc.anderson_magnitude_check((), runs)
    asym = [vc.anderson_asymmetry_check(n, test_anderson.ASYM_RUNS)
            for n in vc.ANDERSON_ASYMMETRIES]
    rec, broken = mutation("discovery_asymmetric", lambda: vc.anderson_symmetry_check(2.0, runs))
    mutants = [rec, mutation("attack_exposure_halved",
                             lambda: vc.anderson_magnitude_check((), runs))[0],
               *(mutation(m, partial(vc.anderson_asymmetry_check, n,
                                     test_anderson.MUTANT_RUNS))[0]
                 for n, m in test_anderson.BROKEN.items())]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1.1, 1],
                                  layout="constrained")
    f = list(vc.ANDERSON_FACTORS)
    ax.errorbar(f, [c.statistic for c in sym], yerr=[c.tolerance for c in sym], fmt="o",
                color=PALETTE[0], capsize=3,
                label=f"model: paired difference ({runs} seeds, ± 4 SE)")
    ax.errorbar([2.1], [broken.statistic], yerr=[broken.tolerance], fmt="x", color=PALETTE[1],
                capsize=3, label="defender rate ∝ factor^1.1 (mutant)")
    ax.axhline(0, color="grey", ls="--")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="common factor on both discovery rates",
           ylabel="exploited: factor − factor 1, per run",
           title=f"Anderson symmetry (mean at factor 1: {sym[0].detail['mean_base']:.0f})")
    ax.legend(fontsize=8)
    ax2.barh([c.case.split()[-1].replace("_", " ") for c in asym],
             [c.detail["mean_moved"] - c.detail["mean_base"] for c in asym],
             xerr=[c.tolerance for c in asym], color=[PALETTE[2], PALETTE[2], PALETTE[1],
                                                      PALETTE[1]])
    ax2.axvline(0, color="grey")
    ax2.invert_yaxis()
    ax2.set(xlabel="exploited per run, against symmetric (paired, ± 4 SE)",
            title="Asymmetries move it")
    return fig, {"symmetry": [c.record() for c in sym], "magnitude": mag.record(),
                 "asymmetries": [c.record() for c in asym], "mutants": mutants}


# -- Concentration ---------------------------------------------------------------------
def case_concentration() -> tuple[plt.Figure, dict[str, Any]]:
    """Identities on arrays and HHI of n identical labs in the model against 10000/n."""
    arrays = [*(vc.hhi_equal_check(n) for n in (1, 2, 3, 7, 50)),
              *(vc.top4_equal_check(n) for n in (1, 2, 3, 7, 50)),
              vc.gini_check((0.0, 0.0, 0.0, 9.0), 0.75)]
    ns = [1, 2, 4, 8]
    model = [vc.model_hhi_check(n) for n in ns]
    mutants = [mutation("hhi_forgets_a_firm", lambda: vc.hhi_equal_check(7))[0],
               mutation("top_k_three", lambda: vc.top4_equal_check(7))[0],
               mutation("gini_sample", lambda: vc.gini_check((0.0, 0.0, 0.0, 9.0), 0.75))[0],
               *(mutation("hhi_forgets_a_firm", partial(vc.model_hhi_check, n))[0]
                 for n in (1, 8))]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    nn = np.linspace(0.8, 8.5, 100)
    ax.plot(nn, 10000 / nn, color="grey", label="10000 / n")
    ax.plot(ns, [c.detail.get("hhi_mean", c.statistic) for c in model], "o", color=PALETTE[0],
            label="model (mean over quarters and seeds)")
    ax.plot([8], [mutants[-1]["hhi_mean"]], "x", color=PALETTE[1],
            label="HHI forgetting a firm (mutant)")
    ax.set(xlabel="identical labs n", ylabel="HHI", title="HHI of n equal firms")
    ax.legend()
    many = [(n, c) for n, c in zip(ns, model, strict=True) if n > 1]
    ax2.semilogy([n for n, _ in many], [c.detail["max_relative_excess"] for _, c in many], "o",
                 color=PALETTE[0], label="model: largest HHI / (10000/n) − 1")
    ax2.semilogy([n for n, _ in many], [c.detail["relative_tolerance"] for _, c in many], "_",
                 ms=20, mew=2, color="grey", label="tolerance (multinomial, χ² quantile / N)")
    ax2.semilogy([8], [mutants[-1]["max_relative_excess"]], "x", color=PALETTE[1],
                 label="HHI forgetting a firm (mutant)")
    ax2.set(xlabel="identical labs n", ylabel="relative excess over 10000/n",
            title="How far from 10000/n", xticks=[2, 4, 8])
    ax2.legend(fontsize=8, loc="upper center")
    return fig, {"arrays": [c.record() for c in arrays], "model": [c.record() for c in model],
                 "mutants": mutants}


CASES: dict[str, Case] = {"race": case_race, "fermi": case_fermi, "bass": case_bass,
                          "anderson": case_anderson, "concentration": case_concentration}


def main(argv: list[str] | None = None) -> int:
    """Run the cases, save their figures and the measured errors."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=sorted(CASES), action="append",
                    help="case to run (repeatable; default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    numba.set_num_threads(1)  # tiny arrays: threads only cost; results do not depend on them
    set_theme()
    path = args.out / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.case or list(CASES):
        start, cpu = time.perf_counter(), time.process_time()
        fig, result = CASES[name]()
        fig.savefig(args.out / f"{name}.png")
        plt.close(fig)
        result["seconds"] = round(time.perf_counter() - start, 1)
        result["cpu_seconds"] = round(time.process_time() - cpu, 1)
        results[name] = result
        undetected = [m["mutant"] for m in result["mutants"] if not m["detected"]]
        print(f"{name}: {result['seconds']} s; mutants undetected: {undetected or 'none'}",
              file=sys.stderr)
        path.write_text(json.dumps(results, indent=2, sort_keys=True, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
