"""Analytic results for the safety race: what the model is verified against.

The race of :mod:`sim.rules.safety` with ``race.payoff = han`` is a symmetric two-strategy
game with the long-run DSAIR payoff matrix of Han, Pereira, Santos & Lenaerts (2020), played
by ``Z`` labs that imitate one another by the pairwise-comparison (Fermi) rule (Traulsen,
Nowak & Pacheco 2006). From the matrix alone this module gives:

* the infinite population (replicator dynamics): the interior fixed point, the type of game
  and where the dynamics end (:func:`replicator_fixed_point`, :func:`classify_game`,
  :func:`replicator_limit`);
* the boundaries in the disaster risk ``p_r``, found by root finding on the model's own
  :func:`sim.rules.safety.han_matrix` (:func:`risk_dominance_boundary`,
  :func:`welfare_boundary`), next to the paper's approximations ``1 - 1/(3s)`` and ``1 - 1/s``;
* the finite population exactly as ``labs.imitate`` runs it: fixation probabilities, the
  small-mutation stationary share, the exact stationary distribution of the birth-death
  chain with the model's finite mutation, and the asymptotic variance of a time average on
  a chain (to size a statistical tolerance).

Matrices are 2x2 with rows the focal strategy and columns the opponent, strategy 0 first
(SAFE) and strategy 1 second (UNSAFE): ``[[a, b], [c, d]]``. ``k`` counts the players of
strategy 0. The verification tests (``tests/verification/test_race.py``) and the figures use
these functions; they need only NumPy and SciPy besides the model's ``han_matrix``.

References
----------
.. [1] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
.. [2] Traulsen, A., Nowak, M. A. & Pacheco, J. M. (2006). Stochastic dynamics of invasion
   and fixation. Phys. Rev. E 74, 011909.
.. [3] Nowak, M. A., Sasaki, A., Taylor, C. & Fudenberg, D. (2004). Emergence of cooperation
   and evolutionary stability in finite populations. Nature 428, 646-650.
.. [4] Fudenberg, D. & Imhof, L. A. (2006). Imitation processes with small mutations.
   J. Econ. Theory 131, 251-262.
.. [5] Kemeny, J. G. & Snell, J. L. (1960). Finite Markov Chains. Van Nostrand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import expit, logsumexp

from sim.params import RaceParams
from sim.rules.safety import han_matrix

Matrix = NDArray[np.float64]
Game = Literal["first_dominates", "second_dominates", "coordination", "coexistence", "neutral"]


def _entries(m: Matrix) -> tuple[float, float, float, float]:
    return float(m[0, 0]), float(m[0, 1]), float(m[1, 0]), float(m[1, 1])


# --- Infinite population: replicator dynamics -------------------------------------------

def replicator_fixed_point(m: Matrix) -> float:
    """Interior rest point of the replicator dynamics of a 2x2 game.

    With ``x`` the share of strategy 0, ``f_0 = a x + b (1 - x)`` and
    ``f_1 = c x + d (1 - x)`` are equal at::

        x* = (d - b) / (a - b - c + d)

    Parameters
    ----------
    m : ndarray, shape (2, 2)
        Payoff matrix ``[[a, b], [c, d]]``.

    Returns
    -------
    float
        ``x*``; NaN when ``a - b - c + d = 0``. It lies in (0, 1) only for coordination and
        coexistence games (:func:`classify_game`).
    """
    a, b, c, d = _entries(m)
    den = a - b - c + d
    return (d - b) / den if den != 0 else float("nan")


def classify_game(m: Matrix) -> Game:
    """Type of a symmetric 2x2 game from the signs of ``a - c`` and ``d - b``.

    ``a > c, b > d``: strategy 0 dominates; ``a < c, b < d``: strategy 1 dominates;
    ``a > c, d > b``: coordination (bistable, ``x*`` unstable); ``a < c, d < b``:
    coexistence (``x*`` stable). One tie counts as (weak) dominance, two as neutral.
    """
    a, b, c, d = _entries(m)
    first, second = np.sign(a - c), np.sign(d - b)  # 0 resists 1; 1 resists 0
    if first == second == 0:
        return "neutral"
    if first >= 0 and second <= 0:
        return "first_dominates"
    if first <= 0 and second >= 0:
        return "second_dominates"
    return "coordination" if first > 0 else "coexistence"


def replicator_limit(m: Matrix, x0: float) -> float:
    """Share of strategy 0 that the replicator dynamics reach from ``0 < x0 < 1``.

    1 or 0 under dominance; under coordination 1 if ``x0 > x*`` and 0 if ``x0 < x*``
    (``x*`` if ``x0 = x*``); ``x*`` under coexistence; ``x0`` if neutral.
    """
    game, xs = classify_game(m), replicator_fixed_point(m)
    if game == "first_dominates":
        return 1.0
    if game == "second_dominates":
        return 0.0
    if game == "coexistence":
        return xs
    if game == "neutral" or x0 == xs:
        return x0
    return 1.0 if x0 > xs else 0.0


# --- Boundaries of the Han et al. (2020) matrix in the disaster risk --------------------

def risk_dominance_gap(m: Matrix, z: int | None = None) -> float:
    """How strongly strategy 0 is favoured over strategy 1 (positive: favoured).

    For an infinite population, the risk-dominance criterion ``g = a + b - c - d`` (in a
    coordination game ``g > 0`` iff ``x* < 1/2``). For ``Z`` players with payoffs averaged
    over the ``Z - 1`` others, the Fermi rule gives, for every ``beta > 0`` [2]_ [3]_::

        rho_10 / rho_01 = exp(beta sum_{k=1}^{Z-1} [pi_0(k) - pi_1(k)]) = exp(beta Z g_Z / 2)
        g_Z = (a - d) (1 - 2/Z) + b - c

    so ``g_Z > 0`` exactly when 0 is the more abundant strategy in the small-mutation limit
    (:func:`small_mutation_share` above 1/2); ``g_Z -> a + b - c - d`` as ``Z`` grows.

    Parameters
    ----------
    m : ndarray, shape (2, 2)
        Payoff matrix.
    z : int, optional
        Population size; ``None`` for the infinite population.
    """
    a, b, c, d = _entries(m)
    return a + b - c - d if z is None else (a - d) * (1.0 - 2.0 / z) + b - c


def welfare_gap(m: Matrix) -> float:
    """Payoff in an all-0 population minus that in an all-1 population, ``a - d``."""
    a, _, _, d = _entries(m)
    return a - d


def han_matrix_at(race: RaceParams, disaster_risk: float) -> Matrix:
    """The model's DSAIR matrix (:func:`sim.rules.safety.han_matrix`) at another ``p_r``."""
    return han_matrix(dataclasses.replace(race, disaster_risk=disaster_risk))


def _root_in_risk(gap: Callable[[float], float]) -> float:
    """The ``p_r`` in [0, 1] where ``gap`` changes sign (Brent's method)."""
    lo, hi = gap(0.0), gap(1.0)
    if np.sign(lo) == np.sign(hi):
        raise ValueError(f"no boundary in [0, 1]: gap {lo:.4g} at p_r=0, {hi:.4g} at p_r=1")
    return float(brentq(gap, 0.0, 1.0, xtol=1e-14, rtol=1e-14))


def risk_dominance_boundary(race: RaceParams, z: int | None = None) -> float:
    """Disaster risk above which SAFE is favoured: the root of :func:`risk_dominance_gap`.

    Near ``1 - 1/(3s)`` for ``B/W >> b, c`` (:func:`risk_dominance_boundary_approx`). With
    ``z`` it is the exact ``p_r`` where the small-mutation share of SAFE among ``Z`` labs
    is 1/2, for every ``beta``.
    """
    return _root_in_risk(lambda p: risk_dominance_gap(han_matrix_at(race, p), z))


def welfare_boundary(race: RaceParams) -> float:
    """Disaster risk above which all-SAFE earns more than all-UNSAFE (root of ``a = d``).

    Near ``1 - 1/s`` for ``B/W >> b, c`` (:func:`welfare_boundary_approx`).
    """
    return _root_in_risk(lambda p: welfare_gap(han_matrix_at(race, p)))


def risk_dominance_boundary_approx(speed_factor: float) -> float:
    """Han et al. (2020): SAFE is risk-dominant for ``p_r > 1 - 1/(3s)``."""
    return 1.0 - 1.0 / (3.0 * speed_factor)


def welfare_boundary_approx(speed_factor: float) -> float:
    """Han et al. (2020): all-SAFE beats all-UNSAFE in welfare for ``p_r > 1 - 1/s``."""
    return 1.0 - 1.0 / speed_factor


# --- Finite population: pairwise comparison as labs.imitate runs it --------------------

def population_payoffs(m: Matrix, z: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Average payoffs against the ``Z - 1`` others for ``k = 0 .. Z`` players of 0.

    As :func:`sim.rules.safety.han_payoffs` computes them::

        pi_0(k) = (a (k - 1) + b (Z - k)) / (Z - 1)
        pi_1(k) = (c k + d (Z - k - 1)) / (Z - 1)

    ``pi_0[0]`` and ``pi_1[Z]`` belong to no player; they only keep the shape.
    """
    a, b, c, d = _entries(m)
    k = np.arange(z + 1, dtype=float)
    return (a * (k - 1) + b * (z - k)) / (z - 1), (c * k + d * (z - k - 1)) / (z - 1)


def transition_probabilities(m: Matrix, z: int, beta: float,
                             mutation: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Probabilities ``T+(k)``, ``T-(k)`` that one imitation event moves ``k`` up or down.

    One event of ``labs.imitate``: an ordered pair (A, B) of distinct players is drawn; with
    probability ``mu`` A takes a random strategy (so it switches with probability
    ``mu / 2``), otherwise A copies B with probability ``F(beta (pi_B - pi_A))``,
    ``F(x) = 1 / (1 + exp(-x))``::

        T+(k) = (Z - k)/Z [(1 - mu) k/(Z - 1) F(beta (pi_0(k) - pi_1(k))) + mu/2]
        T-(k) = k/Z [(1 - mu) (Z - k)/(Z - 1) F(beta (pi_1(k) - pi_0(k))) + mu/2]
    """
    pi0, pi1 = population_payoffs(m, z)
    k = np.arange(z + 1, dtype=float)
    up = (z - k) / z * ((1 - mutation) * k / (z - 1) * expit(beta * (pi0 - pi1)) + mutation / 2)
    down = k / z * ((1 - mutation) * (z - k) / (z - 1) * expit(beta * (pi1 - pi0)) + mutation / 2)
    return up, down


def transition_matrix(m: Matrix, z: int, beta: float, mutation: float) -> Matrix:
    """The ``(Z+1) x (Z+1)`` row-stochastic matrix of one imitation event."""
    up, down = transition_probabilities(m, z, beta, mutation)
    return np.diag(1.0 - up - down) + np.diag(up[:-1], 1) + np.diag(down[1:], -1)


def fixation_probabilities(m: Matrix, z: int, beta: float) -> tuple[float, float]:
    """Fixation probabilities of a single mutant without mutation (Traulsen et al. 2006).

    With ``gamma_k = T-(k) / T+(k) = exp(-beta (pi_0(k) - pi_1(k)))`` at ``mu = 0``::

        rho_10 = 1 / (1 + sum_{j=1}^{Z-1} prod_{k=1}^{j} gamma_k)
        rho_01 = rho_10 prod_{k=1}^{Z-1} gamma_k

    Returns
    -------
    rho_10 : float
        Probability that one player of 0 among ``Z - 1`` of 1 takes over.
    rho_01 : float
        Probability that one player of 1 among ``Z - 1`` of 0 takes over.

    Computed in logs, so strong selection neither overflows nor underflows to NaN.
    """
    log_prod = _log_gamma_products(m, z, beta)
    log_norm = logsumexp(np.concatenate(([0.0], log_prod)))
    return float(np.exp(-log_norm)), float(np.exp(log_prod[-1] - log_norm))


def absorption_probability(m: Matrix, z: int, beta: float, k: int) -> float:
    """Probability that ``k`` players of 0 take over without mutation [2]_.

    The general form of :func:`fixation_probabilities` (``rho_10`` is ``k = 1``)::

        phi_k = (1 + sum_{j=1}^{k-1} prod_{i=1}^{j} gamma_i)
                / (1 + sum_{j=1}^{Z-1} prod_{i=1}^{j} gamma_i)
    """
    if not 0 <= k <= z:
        raise ValueError(f"k must be in [0, {z}], got {k}")
    if k == 0:
        return 0.0
    log_prod = np.concatenate(([0.0], _log_gamma_products(m, z, beta)))
    return float(np.exp(logsumexp(log_prod[:k]) - logsumexp(log_prod)))


def _log_gamma_products(m: Matrix, z: int, beta: float) -> NDArray[np.float64]:
    """``log prod_{k=1}^{j} gamma_k`` for ``j = 1 .. Z - 1``."""
    pi0, pi1 = population_payoffs(m, z)
    return np.cumsum(-beta * (pi0 - pi1)[1:z])


def small_mutation_share(m: Matrix, z: int, beta: float) -> float:
    """Stationary share of strategy 0 in the limit of rare mutation [4]_.

    The population sits in one of the two homogeneous states, and a mutant appears in
    either at the same rate (``mu / 2`` per event), so the share of time in all-0 is::

        rho_10 / (rho_10 + rho_01) = 1 / (1 + exp(-beta Z g_Z / 2))

    with ``g_Z`` of :func:`risk_dominance_gap`; computed from the ratio of the fixation
    probabilities, in logs.
    """
    return float(expit(-_log_gamma_products(m, z, beta)[-1]))


def stationary_distribution(m: Matrix, z: int, beta: float, mutation: float) -> Matrix:
    """Exact stationary distribution of ``k`` under mutation ``0 < mu <= 1``.

    The chain is birth-death, so detailed balance gives
    ``P(k + 1) / P(k) = T+(k) / T-(k + 1)`` (:func:`transition_probabilities`).
    """
    if not 0.0 < mutation <= 1.0:
        raise ValueError("the stationary distribution needs 0 < mutation <= 1")
    up, down = transition_probabilities(m, z, beta, mutation)
    log_p = np.concatenate(([0.0], np.cumsum(np.log(up[:-1]) - np.log(down[1:]))))
    return np.exp(log_p - logsumexp(log_p))


def stationary_share(m: Matrix, z: int, beta: float, mutation: float) -> float:
    """Stationary mean share of strategy 0, ``sum_k (k / Z) P(k)``."""
    dist = stationary_distribution(m, z, beta, mutation)
    return float(dist @ np.arange(z + 1) / z)


def time_average_variance(p: Matrix, f: NDArray[np.float64]) -> float:
    """Asymptotic variance ``sigma^2`` of a time average on an ergodic chain [5]_.

    The mean of ``f(X_t)`` over ``n`` consecutive steps of the chain ``p``, started in its
    stationary distribution ``pi``, has variance ``sigma^2 / n`` for large ``n``::

        sigma^2 = Var_pi f + 2 sum_{t >= 1} Cov_pi(f(X_0), f(X_t))
                = 2 sum_i pi_i g_i (N g)_i - sum_i pi_i g_i^2,   N = (I - P + 1 pi^T)^-1

    with ``g = f - pi f`` and ``N`` the fundamental matrix. For a sample every ``n_e``
    events pass ``matrix_power(p, n_e)``.
    """
    vals, vecs = np.linalg.eig(p.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    pi = pi / pi.sum()
    g = f - pi @ f
    fundamental = np.linalg.inv(np.eye(len(pi)) - p + np.outer(np.ones(len(pi)), pi))
    return float(2.0 * pi @ (g * (fundamental @ g)) - pi @ g**2)
