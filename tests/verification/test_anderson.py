"""Verification: Anderson symmetry of the vulnerability race ("many eyes").

Claim (Anderson 2002, "Security in open versus closed systems: the dance of Boltzmann,
Coase and Moore"): scaling the auditors' and the attackers' discovery rates by the same
factor leaves the expected number of exploited vulnerabilities unchanged; only asymmetries
move it. In the model (``sim/rules/vulnerabilities.py``, ODD 7.10) a vulnerability found in
a quarter is exploited with probability ``h_A / (h_D + h_A)``, free of a common factor. The expected
*count* is invariant when that share is the same in every quarter, nothing found stays
unpatched, the stream of new vulnerabilities does not depend on the rates, and (nearly)
every vulnerability is found by the horizon. ``configs/experiment/verify_anderson.yaml``
sets the real model up that way (one lab, every searcher active every quarter, immediate
complete patching at the API level, exploits doing no harm, equal and high rates); its
comments say what is held fixed and why. Then, with ``n_D`` auditors and ``n_A`` attackers
at equal access, ``E[exploited | found, n_D] = found * n_A / (n_A + (r_D / r_A) n_D)``.

Tolerances. Each configuration runs on its own independent seeds (with common seeds the
paths at different factors nearly coincide, which would make a standard error of the
paired difference meaningless). Cumulative exploited counts over 20 quarters are about
400 with a between-run sd of about 22 (Poisson creation, binomial race, and the random
number of auditors), so with ``N = 300`` runs per factor the standard error of a
difference of means is about 1.8, 0.45 % of the mean.

* Symmetry: ``|mean_f - mean_1| < 4 SE`` of the difference, and ``4 SE`` itself is below
  2.5 % of the mean, so the test would catch a 2.5 % effect of the common factor. The
  count undiscovered at the horizon (the one exact source of bias) is below 1e-3 of those
  created at factor 0.5, far inside that.
* Magnitude: the mean count agrees with the mean of ``found * share`` within 4 standard
  errors of the binomial attacker draw, so the count is the race's and neither 0 nor fixed.
* Asymmetries (100 runs each against the factor-1 sample): more auditors and a faster
  defender rate alone lower the mean, patch lag (``patch_prob = 0.8``) and the partial
  patch reach of open weights (0.5, at the same 1:1 access ratio) raise it, each by more
  than 4 standard errors of the difference. With patch lag, an unpatched vulnerability is
  exploited again each quarter (n-day), so counts are exploitation events.
"""

from __future__ import annotations

import math
from functools import cache

import numba
import numpy as np
import pytest

from experiments.cli.config import compose_params
from sim import EcosystemModel
from sim.state import Kind
from sim.vocabulary import ATTACK_ACCESS, Level

RATE = 0.1  # the config's rate of both sides; factors multiply it
FACTORS = (0.5, 2.0, 4.0)
RUNS = 300  # per factor
ASYM_RUNS = 100
SE_MULTIPLE = 4.0
RELATIVE = 0.025  # the symmetry test must resolve a change of 2.5 % of the mean
ROOT_SEED = 20261122


@pytest.fixture(scope="module", autouse=True)
def one_numba_thread():
    """The user kernels on 200 users only pay thread overhead; results do not depend on it."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def composed(*overrides: str):
    params, _ = compose_params(["+experiment=verify_anderson", "run.replicates=1", *overrides])
    return params


@cache
def sample(overrides: tuple[str, ...], runs: int, key: int) -> dict[str, np.ndarray]:
    """Per-run totals of ``runs`` independent runs (seed stream ``key``)."""
    params = composed(*overrides)
    ratio = params.civil_society.discovery_rate / params.malicious.discovery_rate
    n_a = params.population.n_malicious
    out: dict[str, list[float]] = {"exploited": [], "found": [], "share": [], "latent": []}
    for seed in np.random.SeedSequence(ROOT_SEED, spawn_key=(key,)).spawn(runs):
        model = EcosystemModel(params, rng=seed)
        for _ in range(params.run.steps):
            model.step()
        n_d = int(np.sum(model.civil_society.kind != Kind.WATCHDOG))
        out["exploited"].append(sum(r["vulnerabilities_exploited"] for r in model.history))
        # patch_prob * PATCH_REACH = 1: every vulnerability found is patched in its quarter
        out["found"].append(sum(r["vulnerabilities_patched"] for r in model.history))
        out["share"].append(n_a / (n_a + ratio * n_d))
        out["latent"].append(int(model.labs.latent_vulns.sum()))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def baseline() -> dict[str, np.ndarray]:
    return sample((), RUNS, 0)


def diff_and_se(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return float(a.mean() - b.mean()), se


def check_race_magnitude(s: dict[str, np.ndarray]) -> None:
    """Mean exploited equals the mean of found x share within the binomial draw's noise."""
    want = s["found"] * s["share"]
    se = math.sqrt(np.sum(s["found"] * s["share"] * (1 - s["share"]))) / s["found"].size
    assert abs(s["exploited"].mean() - want.mean()) < SE_MULTIPLE * se, (
        s["exploited"].mean(), want.mean(), se)


def test_config_holds_the_conditions_of_the_symmetry():
    """Fast: what makes the count invariant holds quarter by quarter, and two factors agree."""
    params = composed()
    assert params.malicious.discovery_rate == params.civil_society.discovery_rate == RATE
    assert composed("civil_society.discovery_rate=0.4").malicious.discovery_rate == 0.4
    exposure = ATTACK_ACCESS[Level.API] * params.population.n_malicious
    capability = {}
    for rate in (RATE, 4 * RATE):
        p = composed(f"civil_society.discovery_rate={rate}")
        model = EcosystemModel(p, rng=7)
        auditing = model.civil_society.kind != Kind.WATCHDOG
        path = []
        for _ in range(p.run.steps):
            model.step()
            assert model.labs.release_level.tolist() == [Level.API]
            np.testing.assert_allclose(model.quarter.misuse.exposure, [exposure])  # all attack
            assert np.all(model.civil_society.target[auditing] == 0)  # all audit the one lab
            assert model.labs.known_vulns.sum() == 0  # no n-day window
            path.append(model.history[-1]["frontier_capability"])
        capability[rate] = path
    # growth, hence the Poisson stream of new vulnerabilities, ignores the rates
    assert capability[RATE] == capability[4 * RATE]
    low, high = sample((), 40, 100), sample(("civil_society.discovery_rate=0.4",), 40, 101)
    for s in (low, high):
        check_race_magnitude(s)
    d, se = diff_and_se(high["exploited"], low["exploited"])
    assert abs(d) < SE_MULTIPLE * se, (d, se)
    assert low["exploited"].mean() > 300


@pytest.mark.slow
@pytest.mark.parametrize("factor", FACTORS)
def test_common_scaling_leaves_expected_exploited_unchanged(factor):
    base = baseline()
    scaled = sample((f"civil_society.discovery_rate={RATE * factor}",), RUNS,
                    int(factor * 10))
    d, se = diff_and_se(scaled["exploited"], base["exploited"])
    mean = base["exploited"].mean()
    assert SE_MULTIPLE * se < RELATIVE * mean, (se, mean)  # the test has the power it claims
    assert abs(d) < SE_MULTIPLE * se, (factor, d, se)
    # not trivially zero or constant: hundreds exploited, varying between runs, as the race says
    assert mean > 300 and base["exploited"].std() > 5
    check_race_magnitude(scaled)
    # the only exact bias, vulnerabilities still latent at the horizon, is negligible
    assert scaled["latent"].sum() < 1e-3 * scaled["found"].sum()


ASYMMETRIES = {
    "more_auditors": (("population.n_civil_society=300",), -1),
    "faster_defenders": (("civil_society.discovery_rate=0.15", "malicious.discovery_rate=0.1"),
                         -1),
    "patch_lag": (("civil_society.patch_prob=0.8",), +1),
    "partial_patch_reach": (("openness=open_weights",), +1),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ASYMMETRIES))
def test_asymmetries_move_expected_exploited_the_predicted_way(name):
    overrides, sign = ASYMMETRIES[name]
    base = baseline()
    moved = sample(overrides, ASYM_RUNS, 50 + list(ASYMMETRIES).index(name))
    d, se = diff_and_se(moved["exploited"], base["exploited"])
    assert sign * d > SE_MULTIPLE * se, (name, d, se)
    if sign < 0:  # defenders' side: the size follows the share n_A / (n_A + (r_D/r_A) n_D)
        check_race_magnitude(moved)
