"""Diffusion kernels: Bass adoption (mean-field and network) and knowledge spill-over.

*Bass adoption* (Bass 1969). In the mean-field variant every non-adopter adopts during a
step of length ``dt`` with the same probability, chosen so that the expected adopted share
follows the exact flow of ``dF/dt = (p + q F)(1 - F)`` over the step; as the population
grows the simulated path converges to the closed form
``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``. In the network variant a non-adopter
with adopted-neighbour share ``a`` adopts with probability ``1 - exp(-(p + q a) dt / n)``
in each of ``n`` synchronous sub-steps. The same network kernel diffuses misuse techniques
among malicious actors (``p``: own discovery, ``q``: learning from contacts).

*Spill-over* (knowledge flows over a sparse network of organisations): node ``i`` receives
``sum_j w_ij o_j max(0, x_j - x_i)``: it closes part of its gap to better-placed
neighbours, in proportion to how open their artefacts are (``o_j``).

Invariants: adoption is absorbing (adopted never returns to 0); all draws are
counter-based, so results are bit-identical for any thread count.

References
----------
.. [1] Bass, F. M. (1969). A new product growth for model consumer durables. Management
   Science 15(5), 215-227.
.. [2] Jackson, M. O. (2008). Social and Economic Networks, ch. 7 (diffusion on networks).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from sim.kernels.rng import stream_base, uniform_at

CHUNK = 4096


def bass_step_probability(share: float, p: float, q: float, dt: float = 1.0) -> float:
    """Probability that a non-adopter adopts during one step under the mean-field flow.

    Solves ``dF/dt = (p + q F)(1 - F)`` exactly from ``F(0) = share`` over ``dt`` and
    returns ``(F(dt) - share) / (1 - share)``, or 0 when everybody has adopted.
    """
    if share >= 1.0:
        return 0.0
    if p <= 0.0:
        if q <= 0.0 or share <= 0.0:
            return 0.0
        new = share / (share + (1.0 - share) * math.exp(-q * dt))  # exp(+q dt) overflows
    else:
        a = (1.0 - share) / (1.0 + share * q / p)
        e = a * math.exp(-(p + q) * dt)
        new = (1.0 - e) / (1.0 + (q / p) * e)
    return min(1.0, max(0.0, (new - share) / (1.0 - share)))


@njit(cache=True, parallel=True)
def _meanfield_kernel(adopted, prob, base, partial):  # pragma: no cover - compiled
    n = adopted.shape[0]
    for c in prange(partial.shape[0]):
        new = 0
        for u in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if adopted[u] == 0 and uniform_at(base, np.uint64(u)) < prob:
                adopted[u] = 1
                new += 1
        partial[c] = new


def bass_meanfield_step(
    adopted: NDArray[np.uint8], p: float, q: float, *, key: int, step: int, stream: int,
    dt: float = 1.0,
) -> int:
    """Advance mean-field Bass adoption one step in place; return the number of adopters.

    Parameters
    ----------
    adopted : numpy.ndarray
        Shape ``(N,)``, uint8 in {0, 1}; updated in place.
    p, q : float
        Innovation and imitation rates per unit time (non-negative).
    key, step, stream : int
        Counter-based random stream.
    dt : float
        Step length in the units of ``p`` and ``q``.
    """
    if p < 0 or q < 0:
        raise ValueError(f"Bass rates must be non-negative, got p={p}, q={q}")
    n = adopted.shape[0]
    if n == 0:
        return 0
    share = float(np.count_nonzero(adopted)) / n
    prob = bass_step_probability(share, p, q, dt)
    partial = np.zeros((n + CHUNK - 1) // CHUNK, dtype=np.int64)
    base = np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))
    _meanfield_kernel(adopted, prob, base, partial)
    return int(partial.sum())


@njit(cache=True, parallel=True)
def _network_substep(old, new, indptr, indices, p, q, h, base, offset, partial):  # pragma: no cover
    n = old.shape[0]
    for c in prange(partial.shape[0]):
        added = 0
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if old[i] != 0:
                new[i] = 1
                continue
            lo = indptr[i]
            hi = indptr[i + 1]
            share = 0.0
            if hi > lo:
                on = 0
                for e in range(lo, hi):
                    if old[indices[e]] != 0:  # an int count: a uint8 sum wraps without JIT
                        on += 1
                share = on / (hi - lo)
            prob = 1.0 - math.exp(-(p + q * share) * h)
            if uniform_at(base, np.uint64(offset + i)) < prob:
                new[i] = 1
                added += 1
            else:
                new[i] = 0
        partial[c] = added


def bass_network_step(
    adopted: NDArray[np.uint8], indptr: NDArray[np.int64], indices: NDArray[np.int32],
    p: float, q: float, *, key: int, step: int, stream: int, dt: float = 1.0,
    substeps: int = 4,
) -> int:
    """Advance network Bass adoption one step in place; return the number of adopters.

    Parameters
    ----------
    adopted : numpy.ndarray
        Shape ``(N,)``, uint8 in {0, 1}; updated in place.
    indptr, indices : numpy.ndarray
        CSR adjacency: shape ``(N + 1,)`` int64 and ``(nnz,)`` int32, neighbours of ``i``
        in ``indices[indptr[i]:indptr[i + 1]]``.
    p, q : float
        Innovation and imitation hazards per unit time (non-negative).
    key, step, stream : int
        Counter-based random stream.
    dt : float
        Step length; split into ``substeps`` synchronous sub-steps.
    substeps : int
        Number of sub-steps (at least 1); more sub-steps reduce time-discretisation error.
    """
    n = adopted.shape[0]
    if p < 0 or q < 0:
        raise ValueError(f"Bass rates must be non-negative, got p={p}, q={q}")
    if substeps < 1:
        raise ValueError(f"substeps must be at least 1, got {substeps}")
    if indptr.shape[0] != n + 1:
        raise ValueError(f"indptr has length {indptr.shape[0]}, expected {n + 1}")
    if n == 0:
        return 0
    base = np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))
    partial = np.zeros((n + CHUNK - 1) // CHUNK, dtype=np.int64)
    other = np.empty_like(adopted)
    cur, nxt = adopted, other
    total = 0
    for s in range(substeps):
        _network_substep(cur, nxt, indptr, indices, float(p), float(q), dt / substeps,
                         base, np.uint64(s * n), partial)
        total += int(partial.sum())
        cur, nxt = nxt, cur
    if cur is not adopted:
        adopted[:] = cur
    return total


@njit(cache=True, parallel=True)
def _spillover_kernel(indptr, indices, weights, level, openness, out):  # pragma: no cover
    n = level.shape[0]
    for i in prange(n):
        acc = 0.0
        xi = level[i]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            gap = level[j] - xi
            if gap > 0.0:
                acc += weights[e] * openness[j] * gap
        out[i] = acc


def spillover(
    indptr: NDArray[np.int64], indices: NDArray[np.int32], weights: NDArray[np.float64],
    level: NDArray[np.float64], openness: NDArray[np.float64],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Knowledge each organisation can absorb from better-placed neighbours.

    Parameters
    ----------
    indptr, indices, weights : numpy.ndarray
        Weighted CSR network: ``(N + 1,)`` int64, ``(nnz,)`` int32, ``(nnz,)`` float64.
    level : numpy.ndarray
        Shape ``(N,)`` float64: capability or know-how (log10 FLOP-equivalent).
    openness : numpy.ndarray
        Shape ``(N,)`` float64 in [0, 1]: how much of node ``j``'s artefact others can use.
    out : numpy.ndarray, optional
        Shape ``(N,)`` float64 to write into.

    Returns
    -------
    numpy.ndarray
        Shape ``(N,)`` float64, ``sum_j w_ij o_j max(0, level_j - level_i)``.
    """
    n = level.shape[0]
    if indptr.shape[0] != n + 1 or indices.shape != weights.shape:
        raise ValueError("CSR arrays do not match the number of nodes")
    if out is None:
        out = np.empty(n, dtype=np.float64)
    _spillover_kernel(indptr, indices, weights, level, openness, out)
    return out
