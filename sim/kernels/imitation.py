"""Pairwise-comparison (Fermi) imitation of the safety strategy, event by event.

In each event a focal lab ``a`` and a model lab ``b != a`` are drawn uniformly. With
probability ``mutation`` the focal lab explores: it takes either strategy with probability
one half. Otherwise it copies ``b``'s strategy with probability
``1 / (1 + exp(-beta (pi_b - pi_a)))`` (Traulsen, Nowak & Pacheco 2006). Payoffs are either
given per lab (``mode = 0``: last quarter's profits, fixed within the quarter) or computed
from the 2x2 long-run matrix ``m`` of Han et al. (2020) against all the other labs at the
moment of the event (``mode = 1``). Events are sequential: each sees the previous one's
result.

Randomness: event ``e`` reads the counter-based uniforms at indices ``4e .. 4e+3`` of its
stream (focal, model, mutation, acceptance), so the result depends only on
``(key, step, stream)``.

References
----------
.. [1] Traulsen, A., Nowak, M. A. & Pacheco, J. M. (2006). Stochastic dynamics of invasion
   and fixation. Phys. Rev. E 74, 011909.
.. [2] Han, T. A., Pereira, L. M., Santos, F. C. & Lenaerts, T. (2020). To regulate or not:
   a social dynamics analysis of an idealised AI race. JAIR 69, 881-921.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.kernels.rng import stream_base, uniform_at

PROFITS, MATRIX = 0, 1


@njit(cache=True)
def _payoff(safe, k, i, mode, profit, m):  # pragma: no cover - compiled
    if mode == PROFITS:
        return profit[i]
    n = safe.shape[0]
    if safe[i]:
        return (m[0, 0] * (k - 1) + m[0, 1] * (n - k)) / (n - 1)
    return (m[1, 0] * k + m[1, 1] * (n - k - 1)) / (n - 1)


@njit(cache=True)
def _imitate(safe, mode, profit, m, beta, mutation, events, base):  # pragma: no cover
    n = safe.shape[0]
    k = 0
    for i in range(n):
        k += safe[i]
    for e in range(events):
        idx = np.uint64(4 * e)
        a = min(int(uniform_at(base, idx) * n), n - 1)
        b = min(int(uniform_at(base, idx + np.uint64(1)) * (n - 1)), n - 2)
        if b >= a:
            b += 1
        u = uniform_at(base, idx + np.uint64(3))
        if uniform_at(base, idx + np.uint64(2)) < mutation:
            new = 1 if u < 0.5 else 0
        else:
            diff = beta * (_payoff(safe, k, b, mode, profit, m)
                           - _payoff(safe, k, a, mode, profit, m))
            diff = min(700.0, max(-700.0, diff))
            if u >= 1.0 / (1.0 + math.exp(-diff)):
                continue
            new = safe[b]
        k += new - safe[a]
        safe[a] = new


def imitate(safe: NDArray[np.uint8], *, matrix: NDArray[np.float64] | None,
            profit: NDArray[np.float64] | None, beta: float, mutation: float, events: int,
            key: int, step: int, stream: int) -> None:
    """Run ``events`` imitation events on ``safe`` in place.

    Parameters
    ----------
    safe : numpy.ndarray
        Shape ``(n,)``, uint8: 1 for a lab racing safely. Changed in place.
    matrix : numpy.ndarray or None
        The 2x2 long-run payoff matrix (rows: focal SAFE, UNSAFE); payoffs come from it
        when given.
    profit : numpy.ndarray or None
        Shape ``(n,)``, float64: each lab's payoff, when no matrix is given.
    beta, mutation : float
        Selection intensity and the chance an event explores a random strategy.
    events : int
        Number of sequential events.
    key, step, stream : int
        Name the counter-based stream of uniforms.
    """
    n = safe.shape[0]
    if n < 2 or events <= 0:
        return
    if safe.dtype != np.uint8:
        raise TypeError("safe must be uint8")
    mode = MATRIX if matrix is not None else PROFITS
    m = np.zeros((2, 2)) if matrix is None else np.ascontiguousarray(matrix, dtype=np.float64)
    pay = np.zeros(n) if profit is None else np.ascontiguousarray(profit, dtype=np.float64)
    base = np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))
    _imitate(safe, mode, pay, m, float(beta), float(mutation), int(events), base)
