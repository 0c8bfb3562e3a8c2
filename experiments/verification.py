"""Figures and measured errors of the verification cases, for ``docs/VERIFICATION.md``.

Each case runs its experiment configuration (``configs/experiment/verify_*.yaml``) through
the real model, compares it with the analytic result and draws model against theory. The
tests in ``tests/verification/`` assert the tolerances; this script records what was
measured and draws it. Outputs: ``docs/figures/verification/<case>.png`` and
``results.json`` beside them.

Usage::

    python experiments/verification.py                 # every case (a few minutes)
    python experiments/verification.py --case bass     # one case
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from analysis.theme import PALETTE, set_theme
from experiments.cli.config import compose_params
from sim import EcosystemModel, run

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "verification"
SEED = 20261122

Case = Callable[[], tuple[plt.Figure, dict[str, Any]]]


def model_params(experiment: str, *overrides: str):
    """Parameters of one verification experiment with overrides (one replicate)."""
    params, _ = compose_params([f"+experiment={experiment}", "run.replicates=1", *overrides])
    return params


def seeds(n: int, salt: int = 0) -> list[np.random.SeedSequence]:
    """``n`` independent seeds for one case."""
    return np.random.SeedSequence([SEED, salt]).spawn(n)


# -- Bass ------------------------------------------------------------------------------
def bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969) adopted share ``F(t)``."""
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_path(p: float, q: float, n: int, seed: Any, steps: int = 40) -> np.ndarray:
    """The model's adopted share, quarter by quarter."""
    params = model_params("verify_bass", f"diffusion.bass_p={p}", f"diffusion.bass_q={q}",
                          f"population.n_users={n}", f"run.steps={steps}")
    return run(params, rng=seed).metrics["adoption_share"].to_numpy()


def case_bass() -> tuple[plt.Figure, dict[str, Any]]:
    """Mean-field adoption against the closed form; the gap against population size."""
    steps, t = 40, np.arange(1, 41)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    result: dict[str, Any] = {"paths": []}
    for colour, (p, q) in zip(PALETTE, [(0.01, 0.1), (0.03, 0.38), (0.005, 0.6)], strict=False):
        want = bass_closed_form(p, q, t)
        got = bass_path(p, q, 100_000, seeds(1, int(1000 * q))[0], steps)
        err = float(np.max(np.abs(got - want)))
        result["paths"].append({"p": p, "q": q, "n_users": 100_000, "max_abs_error": err,
                                "tolerance": 4 * 0.5 / math.sqrt(100_000)})
        ax.plot(t, want, color=colour, lw=2, alpha=0.5, label=f"closed form p={p}, q={q}")
        ax.plot(t, got, "o", color=colour, ms=3, label=f"model, max error {err:.4f}")
    ax.set(xlabel="quarter", ylabel="adopted share", title="Bass: model vs closed form")
    ax.legend(fontsize=7)
    want = bass_closed_form(0.03, 0.38, t)
    sizes = [1_000, 3_000, 10_000, 30_000, 100_000]
    gaps = [float(np.mean([np.max(np.abs(bass_path(0.03, 0.38, n, s, steps) - want))
                           for s in seeds(8, n)])) for n in sizes]
    result["gap_by_population"] = dict(zip(map(str, sizes), gaps, strict=True))
    ax2.loglog(sizes, gaps, "o-", color=PALETTE[0], label="model: mean largest gap (8 seeds)")
    ref = gaps[0] * np.sqrt(sizes[0] / np.asarray(sizes))
    ax2.loglog(sizes, ref, "--", color="grey", label=r"$\propto 1/\sqrt{N}$")
    ax2.set(xlabel="users N", ylabel="largest |model - F(t)|", title="Gap shrinks with N")
    ax2.legend(fontsize=8)
    return fig, result


# -- Fermi -----------------------------------------------------------------------------
def case_fermi(runs: int = 600) -> tuple[plt.Figure, dict[str, Any]]:
    """Fixation probability of one mutant under neutral imitation against 1/Z."""
    zs = [3, 4, 5, 8, 10]
    rows = []
    for z in zs:
        params = model_params("verify_fermi", f"population.n_labs={z}",
                              f"race.initial_safe_share={1.0 / z}")
        fixed = absorbed = 0
        for s in seeds(runs, z):
            model = EcosystemModel(params, rng=s)
            model.step()
            k = int(model.labs.safe.sum())
            if k in (0, z):
                absorbed += 1
                fixed += k == z
        share = fixed / absorbed
        se = math.sqrt((1 / z) * (1 - 1 / z) / absorbed)
        rows.append({"z": z, "runs": runs, "absorbed": absorbed, "fixation": share,
                     "expected": 1 / z, "abs_error": abs(share - 1 / z), "tolerance": 4 * se})
    fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    zz = np.linspace(2.5, 10.5, 100)
    ax.plot(zz, 1 / zz, color="grey", label="1/Z")
    ax.errorbar(zs, [r["fixation"] for r in rows], yerr=[r["tolerance"] / 2 for r in rows],
                fmt="o", color=PALETTE[0], label=f"model ({runs} runs, ±2 SE)")
    ax.set(xlabel="labs Z", ylabel="fixation probability of one safe lab",
           title="Neutral Fermi imitation")
    ax.legend()
    return fig, {"rows": rows}


# -- Concentration ---------------------------------------------------------------------
def case_concentration() -> tuple[plt.Figure, dict[str, Any]]:
    """HHI of n identical labs in the model against 10000/n."""
    ns = [1, 2, 3, 4, 6, 8]
    rows = []
    for n in ns:
        params = model_params("verify_concentration", f"population.n_labs={n}")
        values = np.concatenate([run(params, rng=s).metrics["hhi"].to_numpy()
                                 for s in seeds(3, n)])
        rows.append({"n": n, "hhi_mean": float(values.mean()), "expected": 10000 / n,
                     "max_rel_error": float(np.max(np.abs(values / (10000 / n) - 1)))})
    fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    nn = np.linspace(0.8, 8.5, 100)
    ax.plot(nn, 10000 / nn, color="grey", label="10000 / n")
    ax.plot(ns, [r["hhi_mean"] for r in rows], "o", color=PALETTE[0], label="model (mean)")
    ax.set(xlabel="identical labs n", ylabel="HHI", title="HHI of n equal firms")
    ax.legend()
    return fig, {"rows": rows}


# -- Anderson --------------------------------------------------------------------------
ANDERSON_ASYMMETRIES = {
    "more auditors (n_civil_society 300)": ("population.n_civil_society=300",),
    "defender rate x1.5 alone": ("civil_society.discovery_rate=0.15",
                                 "malicious.discovery_rate=0.1"),
    "patch lag (patch_prob 0.8)": ("civil_society.patch_prob=0.8",),
    "open weights (patch reach 0.5)": ("openness=open_weights",),
}


def exploited_totals(overrides: tuple[str, ...], runs: int, salt: int) -> np.ndarray:
    """Cumulative exploited vulnerabilities of ``runs`` independent runs."""
    params = model_params("verify_anderson", *overrides)
    return np.array([run(params, rng=s).metrics["vulnerabilities_exploited"].sum()
                     for s in seeds(runs, salt)], dtype=float)


def case_anderson(runs: int = 200) -> tuple[plt.Figure, dict[str, Any]]:
    """Mean exploited count under common scaling of both rates, and under asymmetries."""
    factors = [0.25, 0.5, 1.0, 2.0, 4.0]
    rows = []
    for f in factors:
        x = exploited_totals((f"civil_society.discovery_rate={0.1 * f}",), runs, int(100 * f))
        rows.append({"factor": f, "mean": float(x.mean()),
                     "se": float(x.std(ddof=1) / math.sqrt(x.size)), "runs": runs})
    ref = rows[factors.index(1.0)]
    for r in rows:
        r["diff"] = r["mean"] - ref["mean"]
        r["tolerance"] = 4 * math.hypot(r["se"], ref["se"])
    asym: list[dict[str, Any]] = []
    for i, (label, ov) in enumerate(ANDERSON_ASYMMETRIES.items()):
        x = exploited_totals(ov, runs // 2, 900 + i)
        asym.append({"case": label, "mean": float(x.mean()),
                     "se": float(x.std(ddof=1) / math.sqrt(x.size))})
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1.2, 1],
                                  layout="constrained")
    ax.errorbar(factors, [r["mean"] for r in rows], yerr=[2 * r["se"] for r in rows],
                fmt="o", color=PALETTE[0], label=f"model ({runs} runs, ±2 SE)")
    ax.axhline(ref["mean"], color="grey", ls="--", label="factor 1")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="common factor on both discovery rates", ylabel="exploited per run",
           title="Anderson symmetry", ylim=(0, 1.3 * max(r["mean"] for r in rows)))
    ax.legend()
    labels = ["symmetric (factor 1)", *ANDERSON_ASYMMETRIES]
    means = [ref["mean"], *(a["mean"] for a in asym)]
    ax2.barh(labels, means, xerr=[2 * ref["se"], *(2 * a["se"] for a in asym)],
             color=[PALETTE[0], PALETTE[2], PALETTE[2], PALETTE[1], PALETTE[1]])
    ax2.invert_yaxis()
    ax2.set(xlabel="exploited per run", title="Asymmetries move it")
    return fig, {"scaling": rows, "asymmetries": asym}


# -- Han et al. race ---------------------------------------------------------------------
def case_race(runs: int = 3, steps: int = 24) -> tuple[plt.Figure, dict[str, Any]]:
    """Long-run safe share against ``p_r``: model, exact finite-population theory, boundaries."""
    from sim import theory
    from sim.rules.safety import han_matrix
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True, layout="constrained")
    rows = []
    for ax, s in zip(axes, (1.5, 2.0, 3.0), strict=True):
        base = model_params("verify_race", f"race.speed_factor={s}")
        race, z = base.race, base.population.n_labs
        beta, mu = race.selection_intensity, race.mutation
        grid = np.linspace(0.5, 0.99, 120)
        exact = [theory.stationary_share(theory.han_matrix_at(race, p), z, beta, mu)
                 for p in grid]
        ax.plot(grid, exact, color="grey", label=f"exact stationary share (Z={z})")
        for p in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            par = model_params("verify_race", f"race.speed_factor={s}",
                               f"race.disaster_risk={p}", f"run.steps={steps}")
            means = []
            for sd in seeds(runs, int(1000 * s + 100 * p)):
                model = EcosystemModel(par, rng=sd)
                shares = []
                for _ in range(steps):
                    model.step()
                    shares.append(model.labs.safe.mean())
                means.append(float(np.mean(shares[steps // 4:])))
            want = theory.stationary_share(han_matrix(par.race), z, beta, mu)
            rows.append({"s": s, "p_r": p, "model": float(np.mean(means)), "exact": want,
                         "abs_error": abs(float(np.mean(means)) - want), "runs": runs})
            ax.plot(p, np.mean(means), "o", color=PALETTE[0],
                    label="model (time average)" if p == 0.7 else None)
        rd = theory.risk_dominance_boundary(race)
        rdz = theory.risk_dominance_boundary(race, z)
        wf = theory.welfare_boundary(race)
        ax.axvline(theory.risk_dominance_boundary_approx(s), color=PALETTE[1], ls="--",
                   label="1 - 1/(3s)")
        ax.axvline(rdz, color=PALETTE[1], ls=":", label=f"risk dominance at Z={z}")
        ax.axvline(theory.welfare_boundary_approx(s), color=PALETTE[2], ls="--",
                   label="1 - 1/s")
        ax.axhline(0.5, color="lightgrey", lw=0.8)
        ax.set(xlabel="disaster risk p_r", title=f"s = {s}")
        rows.append({"s": s, "risk_dominance_boundary": rd, "approx_1_minus_1_over_3s":
                     theory.risk_dominance_boundary_approx(s), "risk_dominance_boundary_z": rdz,
                     "welfare_boundary": wf, "approx_1_minus_1_over_s":
                     theory.welfare_boundary_approx(s)})
    axes[0].set_ylabel("share of safe labs")
    axes[0].legend(fontsize=7)
    return fig, {"rows": rows}


CASES: dict[str, Case] = {"bass": case_bass, "fermi": case_fermi,
                          "concentration": case_concentration, "anderson": case_anderson,
                          "race": case_race}


def main(argv: list[str] | None = None) -> int:
    """Run the cases, save their figures and the measured errors."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=sorted(CASES), action="append",
                    help="case to run (repeatable; default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    set_theme()
    path = args.out / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.case or sorted(CASES):
        start = time.perf_counter()
        fig, result = CASES[name]()
        fig.savefig(args.out / f"{name}.png")
        plt.close(fig)
        result["seconds"] = round(time.perf_counter() - start, 1)
        results[name] = result
        print(f"{name}: {result['seconds']} s", file=sys.stderr)
        path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
