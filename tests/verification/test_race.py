"""Verification: the safety race of Han, Pereira, Santos & Lenaerts (2020) in the real model.

The paper's baseline (``race.rival_disaster_share = 0``, the default; ``verify_race`` sets it
too) is the verified case. References come from the paper's formulas
(``tests/han2020.py``), never from the model's code; each check is in
``verification_checks.py`` and each fails on a broken variant (``verification_mutants.py``):

(1) Exact. The model's matrix ``sim.rules.safety.han_matrix`` equals the paper's, entry by
    entry, to the last bit; the boundaries found by bisection on the model's matrix equal the
    paper's in closed form (1e-12), and lie where the paper's approximations put them up to
    the exact deviations of ``han2020.paper_approximation_errors``. The collective-risk
    matrix (SAFE vs UNSAFE times ``1 - p_r``) fails both.
(2) The replicator fixed point: with 20 labs, strong selection and no mutation, runs end on
    the side of ``x* = (d - b)/(a - b - c + d)`` that the paper's game predicts. A matrix
    whose UNSAFE row forgets the disaster risk fails.
(3) The paper's population, Z = 100 and beta = 0.01: the time-averaged safe share equals the
    exact stationary mean of the birth-death chain with the model's mutation (0.02) at ten
    (s, p_r) points on both sides of the welfare and the risk-dominance boundary, within
    four standard deviations of the time average, ``4 sqrt(sigma2 / (runs * steps))`` with
    ``sigma2`` the chain's asymptotic variance per quarter (``theory.time_average_variance``
    on ``P^10000``). Biased exploration and a wrong payoff fail.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from han2020 import paper_approximation_errors, paper_boundaries
from verification_checks import (
    Check,
    boundary_checks,
    experiment,
    matrix_check,
    side_check,
    stationary_check,
)
from verification_mutants import mutant

from sim import theory
from sim.params import RaceParams

pytestmark = pytest.mark.usefixtures("one_numba_thread")


def race() -> RaceParams:
    return experiment("verify_race").race


# --- (1) the matrix and its boundaries, exactly --------------------------------------------

def test_the_verified_configuration_is_the_papers_baseline():
    r, pop = race(), experiment("verify_race").population
    assert r.payoff == "han" and r.rival_disaster_share == 0.0
    assert RaceParams().rival_disaster_share == 0.0  # the default too
    assert (pop.n_labs, r.selection_intensity) == (100, 0.01)  # the paper's Z and beta
    assert (r.prize, r.rounds, r.benefit, r.safety_cost) == (10000.0, 100.0, 4.0, 1.0)


GRID = [(s, p) for s in (1.0, 1.2, 1.5, 2.0, 3.0, 5.0) for p in (0.0, 0.1, 0.33, 0.78, 0.9, 1.0)]


@pytest.mark.parametrize("s,p", GRID)
def test_model_matrix_is_the_papers_exactly(s, p):
    for big_b, w, b, c in ((10000.0, 100.0, 4.0, 1.0), (500.0, 10.0, 3.0, 0.7)):
        r = dataclasses.replace(race(), speed_factor=s, disaster_risk=p, prize=big_b,
                                rounds=w, benefit=b, safety_cost=c)
        check = matrix_check(r)
        assert check.passed and check.statistic == 0.0, check.detail


def test_matrix_check_fails_on_the_collective_risk_variant():
    r = dataclasses.replace(race(), speed_factor=1.5, disaster_risk=0.8)
    with mutant("payoff_collective_risk"):
        check = matrix_check(r)
    assert not check.passed, check
    # and the model's own switch gives that variant: rival_disaster_share = 1
    collective = dataclasses.replace(r, rival_disaster_share=1.0)
    assert not matrix_check(collective).passed


@pytest.mark.parametrize("s", [1.2, 1.5, 2.0, 3.0, 5.0])
def test_boundaries_are_the_papers_and_near_its_approximations(s):
    """Risk dominance lies below ``1 - 1/(3s)`` by 0.0004 (s = 5) to 0.0036 (s = 1.2);
    welfare is above ``1 - 1/s`` for s < 2 (0.011 at s = 1.2), on it at s = 2 and below
    for s > 2 (0.0024 at s = 5): each deviation is the exact one (1e-12)."""
    r = dataclasses.replace(race(), speed_factor=s)
    for check in boundary_checks(r, 100):
        assert check.passed, check
    exact, errors = paper_boundaries(r), paper_approximation_errors(r)
    approx = {"risk_dominance": 1 - 1 / (3 * s), "welfare": 1 - 1 / s}
    for kind in approx:
        assert exact[kind] - approx[kind] == pytest.approx(errors[kind], abs=1e-12)
    assert theory.risk_dominance_boundary_approx(s) == approx["risk_dominance"]
    assert theory.welfare_boundary_approx(s) == approx["welfare"]
    assert -0.0036 < errors["risk_dominance"] < 0
    assert abs(errors["welfare"]) < 0.0108
    assert np.sign(errors["welfare"]) == np.sign(round(2 - s, 9))


def test_boundary_checks_fail_on_the_collective_risk_variant():
    """It moves the risk-dominance boundaries by about 0.002 at s = 1.5 (at s = 3 the two
    matrices coincide: b/(s+1) = c)."""
    r = dataclasses.replace(race(), speed_factor=1.5)
    with mutant("payoff_collective_risk"):
        checks = boundary_checks(r, 100)
    failed = {c.case.split()[0] for c in checks if not c.passed}
    assert failed == {"risk_dominance", "risk_dominance_z"}, [str(c) for c in checks]


# --- (2) the side of the replicator fixed point -------------------------------------------

SIDE_CASES = [(1.5, 0.5), (2.0, 0.5), (1.5, 0.74), (2.0, 0.84), (3.0, 0.92)]


@pytest.mark.parametrize("s,p", SIDE_CASES)
def test_dynamics_end_on_the_predicted_side_of_the_fixed_point(s, p):
    """Two cases where UNSAFE dominates, three coordination games (x* = 0.63, 0.46, 0.31)."""
    check = side_check(s, p)
    assert check.detail["game"] in ("coordination", "second_dominates")
    assert min(check.detail["odds"]) > 0.999  # the design, from the paper's matrix
    assert check.passed, (check, check.detail)


def test_side_check_fails_when_disasters_cost_unsafe_labs_nothing():
    with mutant("payoff_unsafe_ignores_risk"):
        check = side_check(2.0, 0.84)
    assert not check.passed, (check, check.detail)


# --- (3) the stationary share at Z = 100, beta = 0.01 --------------------------------------

#: (s, p_r): below the welfare boundary, between it and risk dominance (the dilemma zone),
#: 0.02 below and above the Z-lab risk-dominance boundary, and well above it
STATIONARY = [(1.5, 0.24), (1.5, 0.56), (1.5, 0.76), (1.5, 0.80), (1.5, 0.95),
              (3.0, 0.56), (3.0, 0.78), (3.0, 0.87), (3.0, 0.91), (3.0, 0.95)]
RUNS = 4


def steps_for(s: float, p: float) -> int:
    """Near the risk-dominance boundary the share switches between all-safe and all-unsafe
    (sigma2 about 0.3 a quarter at s = 1.5), elsewhere it mixes in a quarter or two."""
    near = abs(p - paper_boundaries(dataclasses.replace(race(), speed_factor=s), 100)
               ["risk_dominance_z"]) < 0.03
    return 200 if near else 50


def stationary(s: float, p: float) -> Check:
    return stationary_check(s, p, RUNS, steps_for(s, p), key=round(1000 * s + 100 * p))


@pytest.mark.slow
def test_time_averaged_share_is_the_exact_stationary_share():
    """Each point within four standard deviations of the time average,
    ``|mean - exact| <= 4 sqrt(sigma2 / (runs * steps))`` with ``sigma2`` the asymptotic
    variance of the quarter-end share of the exact chain (``P^10000``; 4 runs of 200
    quarters next to the boundary, of 50 elsewhere), runs started from the exact stationary
    distribution so their averages are unbiased. Where the exact
    share is more than that from 1/2 (both points next to the boundary), the measured share
    is on its side of 1/2: below 1/2 just below the boundary, above just above. The spread
    between runs agrees with the chain's variance (pooled over the ten points, the ratio of
    the variances is chi2(30)/30 at most; outside (0.3, 2.5) with probability below 1e-4)."""
    checks = [stationary(s, p) for s, p in STATIONARY]
    for check in checks:
        assert check.passed, (str(check), check.detail)
    for (s, p), check in zip(STATIONARY, checks, strict=True):
        bound = paper_boundaries(dataclasses.replace(race(), speed_factor=s), 100)
        if abs(p - bound["risk_dominance_z"]) < 0.03:
            assert abs(check.reference - 0.5) > check.tolerance  # the design has the power
            assert np.sign(check.statistic - 0.5) == np.sign(p - bound["risk_dominance_z"])
        if bound["welfare"] < p < bound["risk_dominance_z"] - 0.1:  # the dilemma zone
            assert check.statistic < 0.1 and check.reference < 0.1
    ratio = np.mean([(c.detail["spread_sd"] / c.detail["sd"]) ** 2 for c in checks])
    assert 0.3 < ratio < 2.5, ratio


@pytest.mark.slow
@pytest.mark.parametrize("name,point", [("imitation_explores_safe", (1.5, 0.76)),
                                        ("payoff_unsafe_pair_ignores_risk", (1.5, 0.80))])
def test_stationary_check_fails_on_a_broken_race(name, point):
    """Exploring labs that pick SAFE with probability 0.6 raise the share at (1.5, 0.76)
    from 0.293 to 0.539 (the mutant's own exact chain); an UNSAFE pair that never crashes
    lowers it at (1.5, 0.80) from 0.752 to 0.029. Each is more than three tolerances
    (0.077, 0.075) away. Smaller slips are below this test's resolution and are caught
    elsewhere: the collective-risk matrix moves these shares by 0.02 (the exact matrix
    test catches it), payoffs averaged over all Z labs including oneself by 0.02 to 0.03
    (tests/unit/test_kernels.py compares the kernel event by event with tests/naive.py,
    which averages over the other Z - 1)."""
    with mutant(name):
        check = stationary(*point)
    assert not check.passed, (str(check), check.detail)
    assert math.isfinite(check.statistic)
