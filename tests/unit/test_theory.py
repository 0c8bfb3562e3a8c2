"""Tests of ``sim.theory`` against independent checks.

Closed forms are compared with brute force: an ODE solver for the replicator dynamics,
linear algebra on the full transition matrix for fixation and stationarity, and a
transition matrix enumerated event by event from the model's own ``han_payoffs``. The
results for the race are compared with Han et al.'s (2020) formulas as ``tests/han2020.py``
writes them, independently of ``sim``. Tolerances are round-off (1e-9 to 1e-12) unless a
comment says why not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from han2020 import (
    paper_boundaries,
    paper_fixation,
    paper_matrix_of,
    paper_small_mutation_share,
)
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp
from scipy.special import expit

from sim import theory
from sim.params import RaceParams
from sim.rules.safety import han_matrix, han_payoffs

# the paper's baseline: an unsafe lab's disaster strikes only itself
HAN = RaceParams(payoff="han")
SPEEDS = [1.2, 1.5, 2.0, 3.0, 5.0]


def random_matrices(n: int, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2, 2)) * 10 for _ in range(n)]


def race_at(s: float = 1.5, p: float = 0.8) -> RaceParams:
    return dataclasses.replace(HAN, speed_factor=s, disaster_risk=p)


def han(s: float = 1.5, p: float = 0.8) -> np.ndarray:
    return han_matrix(race_at(s, p))


def brute_force_matrix(race, z, beta, mutation):
    """One event of ``labs.imitate`` enumerated pair by pair, with the model's payoffs."""
    p = np.zeros((z + 1, z + 1))
    w = 1.0 / (z * (z - 1))  # each ordered pair of distinct labs
    for k in range(z + 1):
        safe = np.arange(z) < k
        pay = han_payoffs(safe, race)
        for a in range(z):
            for b in range(z):
                if a == b:
                    continue
                for becomes_safe in (True, False):  # mutation: a random strategy
                    p[k, k - int(safe[a]) + int(becomes_safe)] += w * mutation / 2
                copy = expit(beta * (pay[b] - pay[a]))
                p[k, k - int(safe[a]) + int(safe[b])] += w * (1 - mutation) * copy
                p[k, k] += w * (1 - mutation) * (1 - copy)
    return p


def power_stationary(p: np.ndarray) -> np.ndarray:
    """Stationary row of ``p`` by repeated squaring (``p^(2^60)``)."""
    q = p.copy()
    for _ in range(60):
        q = q @ q
        q = q / q.sum(axis=1, keepdims=True)
    return q[0]


# --- Replicator dynamics -------------------------------------------------------------

def test_fixed_point_equalises_payoffs():
    for m in random_matrices(20):
        x = theory.replicator_fixed_point(m)
        a, b, c, d = m.ravel()
        assert a * x + b * (1 - x) == pytest.approx(c * x + d * (1 - x), abs=1e-9)


@pytest.mark.parametrize("m,game", [
    ([[3, 0], [5, 1]], "second_dominates"),  # prisoner's dilemma
    ([[5, 1], [3, 0]], "first_dominates"),
    ([[4, 0], [3, 2]], "coordination"),  # stag hunt
    ([[0, 3], [1, 2]], "coexistence"),  # hawk-dove
    ([[1, 1], [1, 1]], "neutral"),
    ([[2, 1], [2, 0]], "first_dominates"),  # one tie: weak dominance
])
def test_classify_game_on_textbook_games(m, game):
    assert theory.classify_game(np.array(m, dtype=float)) == game


def test_replicator_limit_agrees_with_integrating_the_ode():
    for m in random_matrices(30, seed=3):
        m = m / 10
        if min(abs(m[0, 0] - m[1, 0]), abs(m[1, 1] - m[0, 1])) < 0.3:
            continue  # slow approach to the end point; the horizon below would not do
        for x0 in (0.1, 0.37, 0.62, 0.9):
            def rhs(_t, x, m=m):
                f0 = m[0, 0] * x + m[0, 1] * (1 - x)
                f1 = m[1, 0] * x + m[1, 1] * (1 - x)
                return x * (1 - x) * (f0 - f1)

            if abs(x0 - theory.replicator_fixed_point(m)) < 0.02:
                continue  # too close to an unstable rest point for a finite horizon
            end = solve_ivp(rhs, (0, 100), [x0], method="LSODA", rtol=1e-8, atol=1e-10).y[0, -1]
            # rates at the end point are at least 0.3 here, so 100 time units leave < 1e-3
            assert end == pytest.approx(theory.replicator_limit(m, x0), abs=1e-3), (m, x0)


def test_han_game_runs_from_unsafe_dominance_through_coordination():
    """As p_r grows: UNSAFE dominates until ``a = c`` (``p_r = 1 - a/c0``), then the game
    is a coordination game; where SAFE vs UNSAFE pays (``b/(s+1) > c``, s < 3) SAFE
    dominates once ``d < b`` (``p_r = 1 - b/d0``), else coordination lasts to p_r = 1."""
    for s in SPEEDS:
        race = dataclasses.replace(HAN, speed_factor=s)
        (a, b), (c0, d0) = paper_matrix_of(race, 0.0)
        coordination_from = 1 - a / c0
        safe_from = 1 - b / d0 if b > 0 else 1.0
        assert coordination_from < safe_from
        for p, game in [(0.0, "second_dominates"), (coordination_from - 1e-6, "second_dominates"),
                        (coordination_from + 1e-6, "coordination"),
                        ((coordination_from + safe_from) / 2, "coordination"),
                        (0.999, "first_dominates" if s < 3 else "coordination")]:
            assert theory.classify_game(theory.han_matrix_at(race, p)) == game, (s, p)
        # at the risk-dominance boundary of the infinite population x* = 1/2
        m = theory.han_matrix_at(race, theory.risk_dominance_boundary(race))
        assert theory.replicator_fixed_point(m) == pytest.approx(0.5, abs=1e-9)


# --- Boundaries ------------------------------------------------------------------------

@pytest.mark.parametrize("s", SPEEDS)
def test_boundaries_satisfy_their_defining_equations(s):
    race = dataclasses.replace(HAN, speed_factor=s)
    p = theory.risk_dominance_boundary(race)
    m = theory.han_matrix_at(race, p)
    assert m[0, 0] + m[0, 1] == pytest.approx(m[1, 0] + m[1, 1], abs=1e-9)
    assert theory.risk_dominance_gap(theory.han_matrix_at(race, p - 1e-3)) < 0
    assert theory.risk_dominance_gap(theory.han_matrix_at(race, p + 1e-3)) > 0
    pw = theory.welfare_boundary(race)
    mw = theory.han_matrix_at(race, pw)
    assert mw[0, 0] == pytest.approx(mw[1, 1], abs=1e-9)
    assert pw < p  # the zone where safety pays collectively but is risk-dominated


def test_han_matrix_at_changes_only_the_disaster_risk():
    race = dataclasses.replace(HAN, speed_factor=2.0, disaster_risk=0.3)
    assert_allclose(theory.han_matrix_at(race, 0.3), han_matrix(race), rtol=0, atol=0)


@pytest.mark.parametrize("s", SPEEDS)
def test_boundaries_are_the_papers_closed_forms(s):
    race = dataclasses.replace(HAN, speed_factor=s)
    exact = paper_boundaries(race, 100)
    assert theory.risk_dominance_boundary(race) == pytest.approx(exact["risk_dominance"],
                                                                 abs=1e-12)
    assert theory.welfare_boundary(race) == pytest.approx(exact["welfare"], abs=1e-12)
    assert theory.risk_dominance_boundary(race, 100) == pytest.approx(
        exact["risk_dominance_z"], abs=1e-12)
    for p in (0.3, 0.8, 0.95):
        m = paper_matrix_of(race, p)
        a, b, c, d = m.ravel()
        assert theory.replicator_fixed_point(m) == (d - b) / (a - b - c + d)


@pytest.mark.parametrize("rho", [0.0, 0.5, 1.0])
def test_rival_disaster_share_scales_only_safe_against_unsafe(rho):
    """The switch does what its documentation says: SAFE vs UNSAFE is multiplied by
    ``1 - rho p_r`` and nothing else moves; at s = 3 (b/(s+1) = c) the entry is 0, so
    the baseline and the collective-risk variant coincide there."""
    for s, p in [(1.5, 0.8), (2.0, 0.3), (3.0, 0.9)]:
        race = dataclasses.replace(HAN, speed_factor=s, disaster_risk=p)
        base, varied = han_matrix(race), han_matrix(
            dataclasses.replace(race, rival_disaster_share=rho))
        expected = base.copy()
        expected[0, 1] *= 1 - rho * p
        assert_allclose(varied, expected, rtol=1e-15, atol=0)
        assert_allclose(base, paper_matrix_of(race), rtol=0, atol=0)
    assert han_matrix(dataclasses.replace(HAN, speed_factor=3.0))[0, 1] == 0.0


@pytest.mark.parametrize("s", [1.5, 3.0])
def test_finite_population_boundary_tends_to_risk_dominance(s):
    race = dataclasses.replace(HAN, speed_factor=s)
    sizes = [4, 10, 100, 10_000]
    ps = [theory.risk_dominance_boundary(race, z) for z in sizes]
    assert all(np.diff(ps) < 0)  # small populations need a higher disaster risk
    assert ps[-1] == pytest.approx(theory.risk_dominance_boundary(race), abs=1e-4)
    for z, p in zip(sizes[:2], ps[:2], strict=True):  # and there the share is 1/2
        for beta in (0.01, 0.1, 1.0):
            m = theory.han_matrix_at(race, p)
            assert theory.small_mutation_share(m, z, beta) == pytest.approx(0.5, abs=1e-9)


def test_no_boundary_raises():
    race = dataclasses.replace(HAN, prize=0.0, benefit=0.0, safety_cost=0.0)
    with pytest.raises(ValueError, match="no boundary"):
        theory.welfare_boundary(race)


# --- Finite population ----------------------------------------------------------------

def test_population_payoffs_match_the_models_han_payoffs():
    z = 7
    m = han(2.0, 0.85)
    pi0, pi1 = theory.population_payoffs(m, z)
    race = race_at(2.0, 0.85)
    for k in range(1, z):
        pay = han_payoffs(np.arange(z) < k, race)
        assert pay[0] == pytest.approx(pi0[k], rel=1e-12)
        assert pay[-1] == pytest.approx(pi1[k], rel=1e-12)


@pytest.mark.parametrize("z", [2, 3, 5, 8])
def test_transition_matrix_matches_event_by_event_enumeration(z):
    m = han(1.5, 0.8)
    for beta, mu in [(0.0, 0.0), (0.05, 0.01), (1.0, 0.3), (0.1, 1.0)]:
        expected = brute_force_matrix(race_at(1.5, 0.8), z, beta, mu)
        assert_allclose(theory.transition_matrix(m, z, beta, mu), expected, atol=1e-14)
        assert_allclose(expected.sum(axis=1), 1.0, atol=1e-14)


@pytest.mark.parametrize("z", [2, 4, 10, 50])
def test_neutral_selection_fixes_with_probability_one_over_z(z):
    m = han(1.5, 0.8)
    rho10, rho01 = theory.fixation_probabilities(m, z, 0.0)
    assert rho10 == pytest.approx(1 / z, rel=1e-12)
    assert rho01 == pytest.approx(1 / z, rel=1e-12)
    for k in range(z + 1):
        assert theory.absorption_probability(m, z, 0.0, k) == pytest.approx(k / z, abs=1e-12)
    assert theory.small_mutation_share(m, z, 0.0) == 0.5


def absorbing_solution(p: np.ndarray) -> np.ndarray:
    """Probability of absorption at ``Z`` from every state, by a linear solve."""
    q = p[1:-1, 1:-1]
    r = p[1:-1, -1]
    return np.concatenate(([0.0], np.linalg.solve(np.eye(len(q)) - q, r), [1.0]))


@pytest.mark.parametrize("z,beta", [(3, 0.05), (6, 0.1), (10, 0.02), (20, 0.5)])
def test_fixation_matches_the_absorbing_chain(z, beta):
    for m in [han(1.5, 0.8), han(3.0, 0.5), *random_matrices(3)]:
        phi = absorbing_solution(theory.transition_matrix(m, z, beta, 0.0))
        rho10, rho01 = theory.fixation_probabilities(m, z, beta)
        assert rho10 == pytest.approx(phi[1], rel=1e-9, abs=1e-12)  # solve: abs error
        assert rho01 == pytest.approx(1 - phi[z - 1], rel=1e-6, abs=1e-12)  # 1 - phi cancels
        for k in range(z + 1):
            assert theory.absorption_probability(m, z, beta, k) == pytest.approx(
                phi[k], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("s,p", [(1.5, 0.24), (1.5, 0.78), (3.0, 0.89), (3.0, 0.95)])
def test_fixation_and_small_mutation_share_are_the_papers(s, p):
    """Han et al.'s Z = 100, beta = 0.01: fixation probabilities summed term by term from
    the paper's matrix (``tests/han2020.py``) against ``theory``'s."""
    m = paper_matrix_of(race_at(s, p))
    for z, beta in [(100, 0.01), (10, 0.1), (3, 1.0)]:
        ours = theory.fixation_probabilities(m, z, beta)
        assert_allclose(ours, paper_fixation(m, z, beta), rtol=1e-9, atol=1e-300)
        assert theory.small_mutation_share(m, z, beta) == pytest.approx(
            paper_small_mutation_share(m, z, beta), rel=1e-9, abs=1e-15)


def test_the_papers_population_tends_to_the_small_mutation_limit():
    """At Z = 100 and beta = 0.01 the exact share with the model's mutation approaches the
    paper's small-mutation share as mutation falls, to first order in mu; at the verified
    mutation (0.02) it is 0.17 to 0.29 off next to the boundary, which is why the stationary
    test compares with the exact chain rather than with the limit."""
    for s, p in [(1.5, 0.76), (1.5, 0.80), (3.0, 0.87)]:
        m = paper_matrix_of(race_at(s, p))
        limit = paper_small_mutation_share(m, 100, 0.01)
        errors = [abs(theory.stationary_share(m, 100, 0.01, mu) - limit)
                  for mu in (2e-2, 1e-3, 1e-4, 1e-5, 1e-6)]
        assert all(np.diff(errors) < 0), errors
        assert errors[-1] < 1e-3
        assert errors[3] / errors[4] == pytest.approx(10, rel=0.1)
        assert 0.1 < errors[0] < 0.3


def test_strong_selection_stays_finite():
    m = han(1.5, 0.8)
    rho10, rho01 = theory.fixation_probabilities(m, 50, 100.0)
    assert np.isfinite([rho10, rho01]).all() and 0 <= rho10 <= 1 and 0 <= rho01 <= 1
    dist = theory.stationary_distribution(m, 50, 100.0, 1e-6)
    assert np.isfinite(dist).all() and dist.sum() == pytest.approx(1.0)


def test_small_mutation_share_is_the_fixation_ratio_and_the_gap_formula():
    for m in [han(1.5, 0.8), han(2.0, 0.85), *random_matrices(5)]:
        for z, beta in [(4, 0.05), (10, 0.1), (30, 0.01)]:
            rho10, rho01 = theory.fixation_probabilities(m, z, beta)
            share = theory.small_mutation_share(m, z, beta)
            assert share == pytest.approx(rho10 / (rho10 + rho01), rel=1e-9)
            gap = theory.risk_dominance_gap(m, z)
            assert share == pytest.approx(expit(beta * z * gap / 2), rel=1e-9)


@pytest.mark.parametrize("z,beta,mu", [(2, 0.1, 0.5), (5, 0.05, 0.02), (10, 0.08, 0.01),
                                       (20, 0.02, 0.1), (8, 0.0, 0.05)])
def test_stationary_distribution_agrees_with_power_iteration(z, beta, mu):
    m = han(1.5, 0.8)
    brute = power_stationary(brute_force_matrix(race_at(1.5, 0.8), z, beta, mu))
    assert_allclose(theory.stationary_distribution(m, z, beta, mu), brute, atol=1e-10)
    share = theory.stationary_share(m, z, beta, mu)
    assert share == pytest.approx(brute @ np.arange(z + 1) / z, abs=1e-10)


def test_stationary_needs_mutation():
    with pytest.raises(ValueError, match="mutation"):
        theory.stationary_distribution(han(), 5, 0.1, 0.0)


def test_finite_mutation_tends_to_the_small_mutation_limit():
    for m, z, beta in [(han(1.5, 0.8), 10, 0.08), (han(3.0, 0.9), 6, 0.05)]:
        limit = theory.small_mutation_share(m, z, beta)
        errors = [abs(theory.stationary_share(m, z, beta, mu) - limit)
                  for mu in (1e-2, 1e-3, 1e-4, 1e-5)]
        assert all(np.diff(errors) < 0)
        assert errors[-1] < 1e-4
        # first order in mu: each tenfold cut shrinks the error about tenfold
        assert errors[2] / errors[3] == pytest.approx(10, rel=0.1)


# --- Time averages -----------------------------------------------------------------------

def test_time_average_variance_of_independent_draws_is_the_variance():
    pi = np.array([0.2, 0.5, 0.3])
    f = np.array([0.0, 0.5, 1.0])
    p = np.tile(pi, (3, 1))
    assert theory.time_average_variance(p, f) == pytest.approx(pi @ f**2 - (pi @ f) ** 2)


def test_time_average_variance_of_a_two_state_chain():
    alpha, beta = 0.03, 0.07  # leave 0, leave 1
    p = np.array([[1 - alpha, alpha], [beta, 1 - beta]])
    pi1 = alpha / (alpha + beta)
    lam = 1 - alpha - beta  # the second eigenvalue: Cov(t) = Var lam^t
    expected = pi1 * (1 - pi1) * (1 + lam) / (1 - lam)
    assert theory.time_average_variance(p, np.array([0.0, 1.0])) == pytest.approx(expected)


def test_time_average_variance_matches_simulation_of_a_birth_death_chain():
    m, z, beta, mu = han(1.5, 0.8), 5, 0.05, 0.05
    p = theory.transition_matrix(m, z, beta, mu)
    f = np.arange(z + 1) / z
    sigma2 = theory.time_average_variance(p, f)
    rng = np.random.default_rng(11)
    cum = np.cumsum(p, axis=1)
    n, runs = 4000, 2000
    k = rng.choice(z + 1, size=runs, p=theory.stationary_distribution(m, z, beta, mu))
    total = np.zeros(runs)
    for _ in range(n):
        k = (cum[k] < rng.random(runs)[:, None]).sum(axis=1)
        total += f[k]
    # the variance of 2000 sample variances' estimate is about sqrt(2/2000) = 3% relative;
    # finite n biases it low by O(tau / n), about 1%
    assert (total / n).var() * n == pytest.approx(sigma2, rel=0.15)
