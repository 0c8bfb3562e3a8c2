"""Verification: the safety race (Han, Pereira, Santos & Lenaerts 2020) in the real model.

Every run is ``EcosystemModel`` on ``+experiment=verify_race`` (Z labs, the DSAIR long-run
payoff matrix, no market actors, no inspections); ``sim.theory`` gives the expectations:

(a) with strong selection and no mutation the safe share ends on the side of the
    replicator fixed point x* = (d - b)/(a - b - c + d) that the game predicts;
(b) the root-found boundaries lie where Han et al.'s approximations put them, and the
    long-run share crosses 1/2 at the risk-dominance boundary for Z labs;
(c) the time-averaged safe share equals the exact stationary mean of the birth-death chain,
    which is close to the small-mutation value from fixation probabilities.

Long runs start in the exact stationary distribution (the initial count of safe labs is
drawn from it), so their time averages are unbiased, and their tolerances come from the
chain's own autocorrelation (``theory.time_average_variance``); the spread between seeds
checks that variance. With Z = 10 the boundary sits above the infinite-population one
(near 1 - 1/(3s)); (b) tests the boundary for Z labs, which ``tests/unit/test_theory.py``
shows tends to the other as Z grows. (a) and the boundary positions run unmarked (about
10 s); the long runs are marked slow (about 2 minutes, 3 million imitation events).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

from experiments.cli.config import compose_params
from sim import EcosystemModel, theory
from sim.params import Params
from sim.rules.safety import han_matrix

SEED = 20261123


@functools.cache
def params(**overrides: object) -> Params:
    args = [f"{key.replace('__', '.')}={value}" for key, value in sorted(overrides.items())]
    composed, _ = compose_params(["+experiment=verify_race", "run.replicates=1", *args])
    return composed


def race_params(s: float, p: float, **overrides: object) -> Params:
    return params(race__speed_factor=s, race__disaster_risk=p, **overrides)


def safe_shares(par: Params, seed: np.random.SeedSequence, steps: int) -> np.ndarray:
    """Safe share at the end of each of ``steps`` quarters of one run."""
    model = EcosystemModel(par, rng=seed)
    out = np.empty(steps)
    for t in range(steps):
        model.step()
        out[t] = model.labs.safe.mean()
    return out


def chain(par: Params) -> tuple[np.ndarray, int, float, float]:
    race = par.race
    return han_matrix(race), par.population.n_labs, race.selection_intensity, race.mutation


def stationary_runs(par: Params, runs: int, steps: int, key: int) -> tuple[np.ndarray, float]:
    """Time-averaged share of ``runs`` seeds started in the stationary distribution.

    Returns the per-run averages and the standard deviation that theory gives for their
    mean: the asymptotic variance of the chain sampled every ``imitation_events`` events,
    which is conservative for ``steps`` samples (all autocovariances are non-negative
    for an even number of events per step).
    """
    m, z, beta, mu = chain(par)
    events = par.race.imitation_events
    start = np.random.default_rng(SEED + key).choice(
        z + 1, size=runs, p=theory.stationary_distribution(m, z, beta, mu))
    seeds = np.random.SeedSequence([SEED, key]).spawn(runs)
    means = np.array([
        safe_shares(par.replace(race={"initial_safe_share": k / z}), seed, steps).mean()
        for k, seed in zip(start, seeds, strict=True)])
    p_step = np.linalg.matrix_power(theory.transition_matrix(m, z, beta, mu), events)
    sigma2 = theory.time_average_variance(p_step, np.arange(z + 1) / z)
    return means, math.sqrt(sigma2 / (runs * steps))


# --- (a) the side of the fixed point ---------------------------------------------------

A_Z, A_BETA, A_EVENTS, A_RUNS = 20, 1.0, 500, 10
A_CASES = [(1.5, 0.5), (2.0, 0.5), (1.5, 0.74), (2.0, 0.84), (3.0, 0.92)]


@pytest.mark.parametrize("s,p", A_CASES)
def test_dynamics_end_on_the_predicted_side_of_the_fixed_point(s, p):
    """Starting 0.2 above and below x* (0.2 and 0.8 under dominance), at least 9 of 10
    seeds end where the replicator dynamics go; for Z = 20 and beta = 1 the exact
    absorption probability of that end is above 0.999, so a miss is a failure of the
    model, not bad luck (two misses have probability < 1e-4)."""
    base = race_params(s, p, population__n_labs=A_Z, race__selection_intensity=A_BETA,
                       race__mutation=0.0, race__imitation_events=A_EVENTS, run__steps=1)
    m = han_matrix(base.race)
    game, xs = theory.classify_game(m), theory.replicator_fixed_point(m)
    assert game in ("coordination", "second_dominates"), game  # the Han game has no other
    starts = (xs - 0.2, xs + 0.2) if game == "coordination" else (0.2, 0.8)
    for i, x0 in enumerate(starts):
        k = round(x0 * A_Z)
        assert 0 < k < A_Z
        expected = theory.replicator_limit(m, k / A_Z)
        odds = theory.absorption_probability(m, A_Z, A_BETA, k)
        assert (odds if expected == 1.0 else 1 - odds) > 0.999  # the design, from theory
        par = race_params(s, p, population__n_labs=A_Z, race__selection_intensity=A_BETA,
                          race__mutation=0.0, race__imitation_events=A_EVENTS, run__steps=1,
                          race__initial_safe_share=k / A_Z)
        seeds = np.random.SeedSequence([SEED, i, round(100 * s), round(100 * p)]).spawn(A_RUNS)
        ends = [safe_shares(par, seed, 1)[-1] for seed in seeds]
        hits = sum(end == expected for end in ends)
        assert hits >= A_RUNS - 1, (game, xs, k / A_Z, expected, ends)


# --- (b) the boundaries ------------------------------------------------------------------

SPEEDS = [1.2, 1.5, 2.0, 3.0, 5.0]


def test_boundaries_lie_where_the_paper_puts_them():
    """With the default B, W, b, c (verify_race composes them) the root-found risk-
    dominance boundary lies at most 0.001 below 1 - 1/(3s) (never above, for s > 1: the
    terms in b and c that the approximation drops favour UNSAFE), and the welfare boundary
    is within 0.011 of 1 - 1/s: above it for s < 2, on it at s = 2 and below it for s > 2,
    by exactly (s c - (s - 1) b/2) / (s (s B/(2W) + b/2))."""
    race = dataclasses.replace(params().race, rival_disaster_share=1.0)  # derived for it
    big_b, w, b, c = race.prize, race.rounds, race.benefit, race.safety_cost
    for s in SPEEDS:
        r = dataclasses.replace(race, speed_factor=s)
        risk = theory.risk_dominance_boundary(r)
        assert 0 <= theory.risk_dominance_boundary_approx(s) - risk < 1e-3, (s, risk)
        welfare = theory.welfare_boundary(r)
        error = welfare - theory.welfare_boundary_approx(s)
        assert error == pytest.approx(
            (s * c - (s - 1) * b / 2) / (s * (s * big_b / (2 * w) + b / 2)), abs=1e-12)
        assert abs(error) < 0.011 and np.sign(error) == np.sign(round(2 - s, 9)), (s, error)


B_EPS, B_RUNS, B_STEPS = 0.15, 3, 30  # 3 x 30 x 2500 = 225 000 events per point


@pytest.mark.slow
@pytest.mark.parametrize("s", [1.5, 2.0, 3.0])
def test_long_run_share_crosses_one_half_at_the_risk_dominance_boundary(s):
    """A little below the risk-dominance boundary for Z = 10 labs (``1 - p_r`` 15% larger)
    the long-run safe share is below 1/2; a little above (15% smaller) it is above 1/2.

    The exact shares there are 0.12 and 0.88, more than 5 theoretical standard deviations
    of the measured mean from 1/2 (in 40 000 simulations of the exact chain with this
    design none ended on the wrong side). Each measured mean is also within 5 of them of
    its exact value: time averages over few switches have heavier tails than a normal
    (4 sd fails about once in 1500 simulations, 5 sd once in 20 000)."""
    base = race_params(s, 0.5)
    z = base.population.n_labs
    boundary = theory.risk_dominance_boundary(base.race, z)
    for side, sign in (("below", -1), ("above", 1)):
        p = 1 - (1 - boundary) * (1 - sign * B_EPS)
        par = race_params(s, p)
        exact = theory.stationary_share(*chain(par))
        means, sd = stationary_runs(par, B_RUNS, B_STEPS, key=round(1000 * p))
        assert abs(exact - 0.5) > 5 * sd, (exact, sd)  # the design has the power
        share = means.mean()
        assert (share - 0.5) * sign > 0, (side, p, share, exact, sd)
        assert abs(share - exact) < 5 * sd, (side, p, share, exact, sd)


# --- (c) the stationary distribution -----------------------------------------------------

C_S, C_P, C_Z, C_BETA, C_MU = 1.5, 0.78, 6, 0.04, 0.01
C_RUNS, C_STEPS, C_EVENTS = 8, 60, 2500  # 1.2 million events


@pytest.mark.slow
def test_time_averaged_share_matches_the_exact_stationary_mean():
    """At s = 1.5 and p_r = 0.78 (on 1 - 1/(3s), where an infinite population would be
    indifferent) six labs with beta = 0.04 and mutation 0.01 are safe 23% of the time.
    The model's time average over 8 runs of 150 000 events matches the exact birth-death
    mean within 4 standard deviations from the chain's autocorrelation (about 0.08; in
    20 000 simulations of the exact chain with this design the error exceeded it twice);
    the exact value is within 0.02 of the small-mutation share from fixation
    probabilities, and 1/2 is more than 3 tolerances away."""
    par = race_params(C_S, C_P, population__n_labs=C_Z, race__selection_intensity=C_BETA,
                      race__mutation=C_MU, race__imitation_events=C_EVENTS)
    m = han_matrix(par.race)
    exact = theory.stationary_share(m, C_Z, C_BETA, C_MU)
    limit = theory.small_mutation_share(m, C_Z, C_BETA)
    assert abs(exact - limit) < 0.02, (exact, limit)
    means, sd = stationary_runs(par, C_RUNS, C_STEPS, key=7)
    tolerance = 4 * sd
    assert abs(0.5 - exact) > 3 * tolerance, (exact, tolerance)
    share = means.mean()
    assert abs(share - exact) < tolerance, (share, exact, tolerance, means)
    # the spread between runs agrees with the autocorrelation the tolerance assumes: in
    # 20 000 simulations of the exact chain it fell outside (sd/4, 3 sd) 5 times
    spread = means.std(ddof=1) / math.sqrt(C_RUNS)
    assert sd / 4 < spread < 3 * sd, (spread, sd, means)
