"""The verification cases as checks: a statistic, its reference and a tolerance.

Every check runs the real model (``EcosystemModel`` on a ``verify_*`` experiment) or a
public function of it, and returns a :class:`Check`. The tests in this folder assert that
each check passes, and, inside ``with verification_mutants.mutant(name)``, that the same
check fails on a deliberately broken mechanism; ``experiments/verification.py`` runs the
same checks to record the numbers in ``docs/VERIFICATION.md``. References are computed
here from the published formulas, never from the model's own code, so a broken model
cannot move its own reference.

Tolerances are derived from the noise of each statistic (stated where each check is
defined), at four standard errors unless a check says otherwise: a correct model fails a
four-SE check about once in 16,000 tries when the statistic is normal.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from han2020 import bisect, paper_boundaries, paper_matrix_of, paper_small_mutation_share
from numpy.typing import NDArray
from scipy import stats
from verification_mutants import active

from experiments.cli.config import compose_params
from sim import EcosystemModel, metrics, run, theory
from sim.params import Params, RaceParams
from sim.rules import safety
from sim.state import Kind

SEED = 20261130
SE_MULTIPLE = 4.0
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Check:
    """One comparison of the model with its reference.

    ``sense = "within"`` passes when ``|statistic - reference| <= tolerance``;
    ``sense = "above"`` when ``statistic - reference > tolerance`` (an effect in the
    predicted direction larger than its noise). NaN never passes.
    """

    case: str
    statistic: float
    reference: float
    tolerance: float
    sense: str = "within"
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def error(self) -> float:
        """Statistic minus reference."""
        return self.statistic - self.reference

    @property
    def passed(self) -> bool:
        """Whether the model agrees with the reference (see the class docstring)."""
        if not np.isfinite([self.statistic, self.reference, self.tolerance]).all():
            return False
        if self.sense == "within":
            return abs(self.error) <= self.tolerance
        return self.error > self.tolerance

    def __str__(self) -> str:
        op = "<=" if self.sense == "within" else ">"
        verdict = "pass" if self.passed else "FAIL"
        return (f"{self.case}: {self.statistic:.6g} vs {self.reference:.6g} "
                f"(error {self.error:+.3g} {op} {self.tolerance:.3g}: {verdict})")

    def record(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {"case": self.case, "statistic": self.statistic, "reference": self.reference,
                "error": self.error, "tolerance": self.tolerance, "sense": self.sense,
                "passed": self.passed, **{k: _plain(v) for k, v in self.detail.items()}}


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def all_pass(checks: list[Check]) -> bool:
    """Whether every check passes."""
    return all(c.passed for c in checks)


@cache
def experiment(name: str, *overrides: str) -> Params:
    """One replicate of ``+experiment=name`` with Hydra overrides."""
    params, _ = compose_params([f"+experiment={name}", "run.replicates=1", *overrides])
    return params


# =========================================================================================
# Han, Pereira, Santos & Lenaerts (2020); the paper's formulas are in tests/han2020.py
# =========================================================================================

# --- (1) the matrix and what follows from it: exact -------------------------------------

def matrix_check(race: RaceParams) -> Check:
    """The model's matrix (``sim.rules.safety.han_matrix``) against the paper's: exact."""
    model, paper = safety.han_matrix(race), paper_matrix_of(race)
    return Check(f"matrix s={race.speed_factor} p_r={race.disaster_risk}",
                 float(np.max(np.abs(model - paper))), 0.0, 0.0,
                 detail={"model": model, "paper": paper})


def boundary_checks(race: RaceParams, z: int) -> list[Check]:
    """Boundaries found by bisection on the model's matrix against the paper's closed forms.

    Tolerance 1e-12 (bisection to 1e-15, closed forms to round-off).
    """
    def gap(kind: str) -> Any:
        def f(p: float) -> float:
            (a, b), (c, d) = safety.han_matrix(_with_risk(race, p))
            return {"risk_dominance": a + b - c - d, "welfare": a - d,
                    "risk_dominance_z": (a - d) * (1 - 2 / z) + b - c}[kind]
        return f

    exact = paper_boundaries(race, z)
    return [Check(f"{kind} boundary s={race.speed_factor}", bisect(gap(kind)), exact[kind],
                  1e-12) for kind in exact]


def _with_risk(race: RaceParams, p: float) -> RaceParams:
    return dataclasses.replace(race, disaster_risk=p)


# --- (2) side of the replicator fixed point: Z = 20, strong selection, no mutation -------

SIDE_Z, SIDE_BETA, SIDE_EVENTS, SIDE_RUNS = 20, 1.0, 500, 10


def safe_path(par: Params, seed: Any, steps: int) -> F64:
    """Safe share at the end of each of ``steps`` quarters of one run."""
    model = EcosystemModel(par, rng=seed)
    out = np.empty(steps)
    for t in range(steps):
        model.step()
        out[t] = model.labs.safe.mean()
    return out


def side_check(s: float, p: float, runs: int = SIDE_RUNS) -> Check:
    """Runs started 0.2 above and below ``x*`` (0.2 and 0.8 under dominance) end where the
    replicator dynamics of the paper's matrix go.

    Statistic: the larger number of runs, of the two starts, that end elsewhere; reference
    0, tolerance 1. The design asserts (from ``theory.absorption_probability`` on the
    paper's matrix) that each start ends on its side with probability above 0.999, so a
    correct model misses twice of ten with probability below 1e-4.
    """
    common = (f"race.speed_factor={s}", f"race.disaster_risk={p}",
              f"population.n_labs={SIDE_Z}", f"race.selection_intensity={SIDE_BETA}",
              "race.mutation=0.0", f"race.imitation_events={SIDE_EVENTS}", "run.steps=1")
    m = paper_matrix_of(experiment("verify_race", *common).race)
    game, xs = theory.classify_game(m), theory.replicator_fixed_point(m)
    starts = (xs - 0.2, xs + 0.2) if game == "coordination" else (0.2, 0.8)
    misses, odds = [], []
    for i, x0 in enumerate(starts):
        k = round(x0 * SIDE_Z)
        expected = theory.replicator_limit(m, k / SIDE_Z)
        phi = theory.absorption_probability(m, SIDE_Z, SIDE_BETA, k)
        odds.append(phi if expected == 1.0 else 1 - phi)
        par = experiment("verify_race", *common, f"race.initial_safe_share={k / SIDE_Z}")
        seeds = np.random.SeedSequence([SEED, i, round(100 * s), round(100 * p)]).spawn(runs)
        ends = [safe_path(par, seed, 1)[-1] for seed in seeds]
        misses.append(sum(end != expected for end in ends))
    return Check(f"side of x* s={s} p_r={p}", float(max(misses)), 0.0, 1.0,
                 detail={"game": game, "x_star": xs, "misses": misses, "odds": odds})


# --- (3) the stationary share: Z = 100, beta = 0.01 (the paper's population) --------------

def stationary_design(par: Params) -> tuple[F64, int, float, float, int]:
    """The chain the model runs: paper matrix, Z, beta, mutation, events per quarter."""
    r = par.race
    return (paper_matrix_of(r), par.population.n_labs, r.selection_intensity, r.mutation,
            r.imitation_events)


def stationary_sd(par: Params, samples: int) -> float:
    """Standard deviation of a mean of ``samples`` quarter-end shares started stationary.

    ``sqrt(sigma2 / samples)`` with ``sigma2 = theory.time_average_variance(P^E, k/Z)``,
    the asymptotic variance of the chain sampled every ``E`` events; with ``E`` even every
    autocovariance of ``P^E`` is non-negative (its eigenvalues are squares), so this
    bounds the finite-run variance from above.
    """
    m, z, beta, mu, events = stationary_design(par)
    p_step = np.linalg.matrix_power(theory.transition_matrix(m, z, beta, mu), events)
    return math.sqrt(theory.time_average_variance(p_step, np.arange(z + 1) / z) / samples)


def stationary_check(s: float, p: float, runs: int, steps: int, key: int) -> Check:
    """Time-averaged safe share of ``runs`` runs of ``steps`` quarters against the exact
    stationary mean of the birth-death chain with the model's finite mutation.

    Each run starts from a count of safe labs drawn from the exact stationary distribution,
    so its time average is unbiased. Tolerance: ``4 sqrt(sigma2 / (runs * steps))``
    (:func:`stationary_sd`).
    """
    par = experiment("verify_race", f"race.speed_factor={s}", f"race.disaster_risk={p}")
    m, z, beta, mu, _ = stationary_design(par)
    dist = theory.stationary_distribution(m, z, beta, mu)
    exact = float(dist @ np.arange(z + 1) / z)
    starts = np.random.default_rng([SEED, key]).choice(z + 1, size=runs, p=dist)
    seeds = np.random.SeedSequence([SEED, key]).spawn(runs)
    means = np.array([
        safe_path(par.replace(race={"initial_safe_share": int(k) / z}), seed, steps).mean()
        for k, seed in zip(starts, seeds, strict=True)])
    sd = stationary_sd(par, runs * steps)
    return Check(f"stationary share s={s} p_r={p}", float(means.mean()), exact,
                 SE_MULTIPLE * sd,
                 detail={"sd": sd, "run_means": means, "runs": runs, "steps": steps,
                         "spread_sd": float(means.std(ddof=1) / math.sqrt(runs)),
                         "small_mutation": paper_small_mutation_share(m, z, beta)})


# =========================================================================================
# Fermi imitation under neutral selection
# =========================================================================================

def fermi_check(z: int, runs: int, key: int = 0) -> Check:
    """Mean final safe share of ``runs`` runs started with one safe lab among ``z``.

    With ``beta = 0`` and no mutation the expected share is a martingale, so its mean at
    any time is exactly ``1/Z``, which is the fixation probability once every run is
    absorbed (the config's events absorb nearly all). The share lies in [0, 1] with mean
    ``1/Z``, so its variance is at most ``(1/Z)(1 - 1/Z)``: tolerance
    ``4 sqrt((1/Z)(1 - 1/Z) / runs)``.
    """
    par = experiment("verify_fermi", f"population.n_labs={z}",
                     f"race.initial_safe_share={1.0 / z}")
    finals, absorbed = [], 0
    for seed in np.random.SeedSequence([SEED, key, z]).spawn(runs):
        model = EcosystemModel(par, rng=seed)
        assert model.labs.safe.sum() == 1  # exactly one mutant
        model.step()
        k = int(model.labs.safe.sum())
        absorbed += k in (0, z)
        finals.append(k / z)
    return Check(f"neutral fixation Z={z}", float(np.mean(finals)), 1 / z,
                 SE_MULTIPLE * math.sqrt((1 / z) * (1 - 1 / z) / runs),
                 detail={"runs": runs, "absorbed": absorbed})


# =========================================================================================
# Bass diffusion
# =========================================================================================

BASS_STEPS = 40


def bass_closed_form(p: float, q: float, t: F64) -> F64:
    """Bass (1969): ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_path(p: float, q: float, n_users: int, seed: Any, *extra: str) -> F64:
    """The model's adopted share at the end of quarters 1 .. 40."""
    par = experiment("verify_bass", f"diffusion.bass_p={p}", f"diffusion.bass_q={q}",
                     f"population.n_users={n_users}", f"run.steps={BASS_STEPS}", *extra)
    return run(par, rng=seed).metrics["adoption_share"].to_numpy()


def bass_gap(p: float, q: float, n_users: int, seed: Any, *extra: str) -> float:
    """Largest ``|model - F(t)|`` over the 40 quarters."""
    want = bass_closed_form(p, q, np.arange(1, BASS_STEPS + 1))
    return float(np.max(np.abs(bass_path(p, q, n_users, seed, *extra) - want)))


def bass_check(p: float, q: float, n_users: int = 100_000, seeds: int = 3) -> Check:
    """Largest gap over 40 quarters and ``seeds`` runs, against four binomial standard
    errors at the widest (``F = 1/2``): ``4 * 0.5 / sqrt(N)``. The expected share at
    integer ``t`` is exactly ``F(t)`` (the kernel adopts with the exact one-quarter
    probability), so the gap is sampling noise of the share, sd ``sqrt(F(1 - F)/N)``."""
    gaps = [bass_gap(p, q, n_users, s) for s in range(seeds)]
    return Check(f"Bass p={p} q={q} N={n_users}", max(gaps), 0.0,
                 SE_MULTIPLE * 0.5 / math.sqrt(n_users), detail={"gaps": gaps})


BASS_SIZES = (1_000, 10_000, 100_000)


def bass_scaling_check(p: float = 0.03, q: float = 0.38, seeds: int = 8) -> Check:
    """Mean largest gap at ``N = 1e5`` over that at ``N = 1e3``: ``1/sqrt(N)`` noise gives
    0.1. Tolerance 0.2 (the ratio of two means of eight maxima is noisy; a bias that does
    not shrink with ``N`` keeps it near 1). The gaps must also fall at each step."""
    gaps = [float(np.mean([bass_gap(p, q, n, s) for s in range(seeds)])) for n in BASS_SIZES]
    ratio = gaps[-1] / gaps[0] if gaps[0] > gaps[1] > gaps[2] else float("nan")
    return Check("Bass gap 1e5 / gap 1e3", ratio, math.sqrt(BASS_SIZES[0] / BASS_SIZES[-1]),
                 0.2, detail={"gaps": dict(zip(map(str, BASS_SIZES), gaps, strict=True))})


BASS_SUBSTEPS = 20


def bass_substep_path(p: float, q: float, substeps: int = BASS_SUBSTEPS) -> F64:
    """``F`` at quarters 1 .. 40 of the discretised flow the network kernel runs on a
    complete graph: ``substeps`` synchronous sub-steps a quarter, each adopting a
    non-adopter with probability ``1 - exp(-(p + q F) / substeps)``."""
    f, out = 0.0, np.empty(BASS_STEPS)
    for t in range(BASS_STEPS):
        for _ in range(substeps):
            f += (1.0 - f) * -math.expm1(-(p + q * f) / substeps)
        out[t] = f
    return out


def bass_network_check(p: float = 0.03, q: float = 0.38, n_users: int = 1000,
                       runs: int = 10) -> Check:
    """Mean path of ``runs`` network runs on a complete graph against ``F(t)``.

    Tolerance: the time discretisation, ``max_t |F_sub(t) - F(t)|`` for the sub-stepped flow
    (:func:`bass_substep_path`; 0.0056 at 20 sub-steps), plus four standard errors of the
    mean path, ``4 max_t sd_t / sqrt(runs)`` with ``sd_t`` the spread of the runs at ``t``.
    """
    t = np.arange(1, BASS_STEPS + 1)
    want = bass_closed_form(p, q, t)
    paths = np.array([bass_path(p, q, n_users, s, "diffusion.variant=network",
                                "diffusion.topology=complete",
                                f"diffusion.substeps={BASS_SUBSTEPS}") for s in range(runs)])
    bias = float(np.max(np.abs(bass_substep_path(p, q) - want)))
    se = float(np.max(paths.std(axis=0, ddof=1)) / math.sqrt(runs))
    return Check(f"Bass network p={p} q={q} N={n_users}",
                 float(np.max(np.abs(paths.mean(axis=0) - want))), 0.0,
                 bias + SE_MULTIPLE * se, detail={"bias": bias, "se": se, "runs": runs})


# =========================================================================================
# Anderson (2002): symmetry of the vulnerability race
# =========================================================================================

ANDERSON_FACTORS = (0.5, 2.0, 4.0)


@cache
def _anderson_run(overrides: tuple[str, ...], index: int, mutant: str) -> dict[str, float]:
    """Totals of run ``index`` (its seed is the same for every configuration: paired)."""
    par = experiment("verify_anderson", *overrides)
    seed = np.random.SeedSequence(SEED, spawn_key=(index,))
    model = EcosystemModel(par, rng=seed)
    for _ in range(par.run.steps):
        model.step()
    n_d = int(np.sum(model.civil_society.kind != Kind.WATCHDOG))
    n_a = par.population.n_malicious
    ratio = par.civil_society.discovery_rate / par.malicious.discovery_rate
    return {"exploited": float(sum(r["vulnerabilities_exploited"] for r in model.history)),
            # patch_prob x patch reach = 1 at the API: every found one is patched in its quarter
            "found": float(sum(r["vulnerabilities_patched"] for r in model.history)),
            "share": n_a / (n_a + ratio * n_d), "latent": float(model.labs.latent_vulns.sum())}


def anderson_sample(overrides: tuple[str, ...], runs: int) -> dict[str, F64]:
    """Per-run totals of runs ``0 .. runs-1`` (cached per run, per active mutant)."""
    rows = [_anderson_run(overrides, i, active()) for i in range(runs)]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def rate_override(factor: float) -> tuple[str, ...]:
    """Both discovery rates scaled by ``factor`` (the config ties the attackers' to it)."""
    rate = experiment("verify_anderson").civil_society.discovery_rate
    return (f"civil_society.discovery_rate={rate * factor}",)


def paired(a: F64, b: F64) -> tuple[float, float]:
    """Mean paired difference ``a - b`` over seeds and its standard error."""
    d = a - b
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


def anderson_symmetry_check(factor: float, runs: int) -> Check:
    """Mean cumulative exploited (distinct) vulnerabilities at ``factor`` times both rates
    minus at factor 1, paired by seed; tolerance four standard errors of the paired
    difference, ``4 sd(d_i) / sqrt(runs)``.

    Pairs share a seed, so (common random numbers) the same vulnerabilities arrive and the
    same auditors search; the runs differ only in when each vulnerability is found and by
    whom. The differences ``d_i`` are independent across seeds, so their sample standard
    deviation gives an honest standard error of their mean, whose expectation is the
    difference of the two means whatever the coupling.
    """
    base = anderson_sample((), runs)
    scaled = anderson_sample(rate_override(factor), runs)
    d, se = paired(scaled["exploited"], base["exploited"])
    unpaired = math.sqrt(scaled["exploited"].var(ddof=1) / runs
                         + base["exploited"].var(ddof=1) / runs)
    return Check(f"Anderson factor {factor}", d, 0.0, SE_MULTIPLE * se,
                 detail={"mean_base": float(base["exploited"].mean()),
                         "mean_scaled": float(scaled["exploited"].mean()),
                         "se_paired": se, "se_unpaired": unpaired, "runs": runs,
                         "latent_share": float(scaled["latent"].sum()
                                               / max(scaled["found"].sum(), 1.0))})


def anderson_magnitude_check(overrides: tuple[str, ...], runs: int) -> Check:
    """Mean exploited against the mean of ``found x n_A / (n_A + (r_D/r_A) n_D)``: the race
    gives a found vulnerability to attackers with that probability. Tolerance four
    standard errors of the binomial draws, ``4 sqrt(sum found share (1 - share)) / runs``."""
    s = anderson_sample(overrides, runs)
    want = s["found"] * s["share"]
    se = math.sqrt(float(np.sum(want * (1 - s["share"])))) / runs
    return Check(f"Anderson magnitude {' '.join(overrides) or 'factor 1'}",
                 float(s["exploited"].mean()), float(want.mean()), SE_MULTIPLE * se)


ANDERSON_ASYMMETRIES: dict[str, tuple[tuple[str, ...], int]] = {
    "more_auditors": (("population.n_civil_society=300",), -1),
    "faster_defenders": (("civil_society.discovery_rate=0.0075",
                          "malicious.discovery_rate=0.005"), -1),
    "patch_lag": (("civil_society.patch_prob=0.8",), +1),
    "partial_patch_reach": (("openness=open_weights",), +1),
}


def anderson_asymmetry_check(name: str, runs: int) -> Check:
    """An asymmetry moves the mean the predicted way (``sign``) by more than four paired
    standard errors: statistic ``sign * d``, sense ``above``."""
    overrides, sign = ANDERSON_ASYMMETRIES[name]
    base = anderson_sample((), runs)
    moved = anderson_sample(overrides, runs)
    d, se = paired(moved["exploited"], base["exploited"])
    return Check(f"Anderson asymmetry {name}", sign * d, 0.0, SE_MULTIPLE * se, sense="above",
                 detail={"mean_base": float(base["exploited"].mean()),
                         "mean_moved": float(moved["exploited"].mean()), "se_paired": se})


# =========================================================================================
# Concentration
# =========================================================================================

def hhi_equal_check(n: int) -> Check:
    """HHI of ``n`` equal firms against ``10000/n``: relative tolerance 1e-12."""
    return Check(f"HHI of {n} equal firms", metrics.hhi(np.full(n, 12.0)), 10000.0 / n,
                 1e-12 * 10000.0 / n)


def top4_equal_check(n: int) -> Check:
    """Top-4 share of ``n`` equal firms against ``min(4, n)/n``: 1e-12."""
    return Check(f"top-4 share of {n} equal firms", metrics.top_k_share(np.full(n, 3.0)),
                 min(4, n) / n, 1e-12)


def gini_check(values: tuple[float, ...], expected: float) -> Check:
    """Gini of ``values`` against its textbook value: 1e-12."""
    return Check(f"Gini of {values}", metrics.gini(np.array(values)), expected, 1e-12)


def model_hhi_check(n_labs: int, seeds: int = 3) -> Check:
    """HHI of users in the model with ``n_labs`` identical labs against ``10000/n``.

    Each of the ``N`` users holding a provider picks one of ``n`` identical labs with
    probability ``1/n``, so with Pearson's ``X2 ~ chi2(n - 1)``
    ``HHI - 10000/n = 10000 X2 / (n N)``: the statistic is the largest ``X2`` over the
    quarters and seeds, the tolerance the ``1 - 1e-4/m`` quantile of ``chi2(n - 1)`` for
    ``m`` values (Bonferroni). One lab must give exactly 10000 (tolerance 0).
    """
    want = 10000.0 / n_labs
    par = experiment("verify_concentration", f"population.n_labs={n_labs}")
    hhis, holders = [], []
    for seed in range(seeds):
        model = EcosystemModel(par, rng=seed)
        for _ in range(par.run.steps):
            model.step()
            hhis.append(model.history[-1]["hhi"])
            holders.append(int(model.labs.users.sum()))
    h, n = np.array(hhis), np.array(holders)
    if n_labs == 1:
        worst = float(h[np.argmax(np.abs(h - want))])
        return Check("model HHI, 1 lab", worst, want, 0.0, detail={"hhi": h})
    x2 = (h - want) * n_labs * n / 10000.0
    quantile = float(stats.chi2.ppf(1 - 1e-4 / x2.size, n_labs - 1))
    return Check(f"model HHI, {n_labs} identical labs (Pearson X2)", float(np.max(np.abs(x2))),
                 0.0, quantile, detail={"hhi_mean": float(h.mean()), "holders_min": int(n.min()),
                                        "max_relative_excess": float(np.max(np.abs(h / want - 1))),
                                        "relative_tolerance": quantile / float(n.min())})
