"""Multinomial-logit market for the end-user population.

Each adopted user ``u`` values provider ``j`` available in her niche at

    V_uj = beta_q[u] * quality[j] + beta_o[u] * openness[j] - alpha[u] * price[j]
           + lognet[j] - switch_cost[u] * [j != current_u and current_u >= 0]

and the outside option (no AI provider) at ``outside_utility`` (minus the same switching
cost when she leaves a provider). Providers ``0 .. n_general - 1`` (the labs) serve every
niche; the others serve the niche lists given in CSR form. With probability
``reconsider_prob`` a user redraws her choice from the logit probabilities
``exp(V_uj) / sum_k exp(V_uk)``. A user always redraws, with no switching cost, when she
holds no provider (an adopter keeps looking), when her provider left the market
(``redirect < 0``) or when it is not offered in her niche (e.g. an acquirer serving other
niches). Her consumer surplus is the log-sum ``(log sum_k exp(V_uk) - outside_utility) /
alpha[u]`` in price units (McFadden 1981; Train 2009, ch. 3), zero for non-adopters;
switching costs are part of ``V``, so a locked-in user's surplus counts them.

Invariants: every choice is -1 (outside) or a provider available in the user's niche;
non-adopters hold -1; partial sums are per chunk of ``CHUNK`` users and are added in chunk
order, so results are bit-identical for any thread count.

References
----------
.. [1] McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior.
.. [2] Train, K. (2009). Discrete Choice Methods with Simulation, 2nd ed., CUP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from sim.kernels.fastexp import exp_nonpos
from sim.kernels.rng import stream_base, uniform_at

CHUNK = 4096  # users per chunk: fixes the reduction order, whatever the thread count

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]


@njit(cache=True, parallel=True)
def _market_kernel(
    niche, adopted, alpha, beta_q, beta_o, switch_cost, capacity, choice, surplus,
    n_general, niche_ptr, niche_idx, quality, price, openness, lognet, depth, redirect,
    reconsider_prob, outside_utility, base, kmax, partial,
):  # pragma: no cover - compiled; the NUMBA_DISABLE_JIT run covers it
    n = niche.shape[0]
    n_chunks = partial.shape[0]
    for c in prange(n_chunks):
        v = np.empty(kmax, dtype=np.float64)
        cs = 0.0
        meaningful = 0.0
        access = 0.0
        for u in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if adopted[u] == 0:
                choice[u] = -1
                surplus[u] = 0.0
                continue
            cur = choice[u]
            forced = False
            if cur >= 0:
                cur = redirect[cur]
                if cur < 0:
                    forced = True
            m = niche[u]
            lo = niche_ptr[m]
            k = n_general + niche_ptr[m + 1] - lo
            pos = cur  # where the held provider sits among the k offered
            if cur >= n_general:  # a provider not offered in her niche counts as gone
                pos = -1
                for e in range(lo, niche_ptr[m + 1]):
                    if niche_idx[e] == cur:
                        pos = n_general + e - lo
                        break
                if pos < 0:
                    cur = -1
                    forced = True
            if cur < 0:  # an adopter without a provider keeps looking every step
                forced = True
            bq, bo, al = beta_q[u], beta_o[u], alpha[u]
            # utilities: labs are providers 0 .. n_general-1 (contiguous, so this loop
            # vectorises), then the niche's own list
            for t in range(n_general):
                v[t] = bq * quality[t] + bo * openness[t] - al * price[t] + lognet[t]
            for t in range(n_general, k):
                j = niche_idx[lo + t - n_general]
                v[t] = bq * quality[j] + bo * openness[j] - al * price[j] + lognet[j]
            v0 = outside_utility
            if cur >= 0:  # leaving the held provider costs the switching cost
                sw = switch_cost[u]
                v0 -= sw
                held = v[pos]
                for t in range(k):
                    v[t] -= sw
                v[pos] = held
            vmax = v0
            for t in range(k):
                if v[t] > vmax:
                    vmax = v[t]
            w0 = exp_nonpos(v0 - vmax)
            for t in range(k):  # no reduction in this loop: it vectorises
                v[t] = exp_nonpos(v[t] - vmax)
            total = w0
            for t in range(k):
                total += v[t]
            cs_u = (vmax + math.log(total) - outside_utility) / al
            surplus[u] = cs_u
            cs += cs_u
            if forced or uniform_at(base, np.uint64(2 * u)) < reconsider_prob:
                r = uniform_at(base, np.uint64(2 * u + 1)) * total
                acc = w0
                pick = -1
                if r >= acc:
                    at = k - 1
                    for t in range(k):
                        acc += v[t]
                        if r < acc:
                            at = t
                            break
                    if at >= 0:
                        pick = at if at < n_general else niche_idx[lo + at - n_general]
                cur = pick
            choice[u] = cur
            if cur >= 0:
                access += 1.0
                meaningful += capacity[u] * depth[cur]
        partial[c, 0] = cs
        partial[c, 1] = access
        partial[c, 2] = meaningful


@njit(cache=True)
def _count(choice, n_providers):  # pragma: no cover - compiled
    counts = np.zeros(n_providers, dtype=np.int64)
    for u in range(choice.shape[0]):
        if choice[u] >= 0:
            counts[choice[u]] += 1
    return counts


@dataclass(frozen=True)
class MarketResult:
    """Aggregates of one market step.

    Attributes
    ----------
    counts : numpy.ndarray
        Shape ``(K,)``, int64: users choosing each provider after the step.
    consumer_surplus : float
        Sum over users of the log-sum surplus, price units per step.
    access : int
        Number of users holding a provider.
    meaningful : float
        Sum over users holding a provider of ``capacity[u] * depth[choice[u]]``.
    """

    counts: NDArray[np.int64]
    consumer_surplus: float
    access: int
    meaningful: float


def market_step(
    users: dict[str, NDArray], providers: dict[str, NDArray], *, n_general: int,
    niche_ptr: I32, niche_idx: I32, reconsider_prob: float, outside_utility: float,
    key: int, step: int, stream: int = 0,
) -> MarketResult:
    """Advance the user market one step in place and return its aggregates.

    Parameters
    ----------
    users : dict of numpy.ndarray
        ``niche`` (N,) int32 in [0, M); ``adopted`` (N,) uint8; ``alpha`` (N,) float64 > 0;
        ``beta_q``, ``beta_o``, ``switch_cost``, ``capacity`` (N,) float64; ``choice``
        (N,) int32, updated in place (-1 is the outside option); optionally ``surplus``
        (N,) float64, written: each user's log-sum surplus this step (0 for non-adopters).
    providers : dict of numpy.ndarray
        ``quality``, ``price``, ``openness``, ``lognet``, ``depth`` (K,) float64 and
        ``redirect`` (K,) int32: where a provider's users go (itself, an acquirer, or -1
        if it left the market).
    n_general : int
        Providers ``0 .. n_general - 1`` are offered in every niche.
    niche_ptr, niche_idx : numpy.ndarray
        CSR lists of the other providers per niche: shape ``(M + 1,)`` and ``(nnz,)``,
        int32, ids in [n_general, K).
    reconsider_prob : float
        Probability in [0, 1] that a user redraws her choice this step.
    outside_utility : float
        Utility of using no provider.
    key, step, stream : int
        Counter-based random stream (see :mod:`sim.kernels.rng`).
    """
    niche = users["niche"]
    n = niche.shape[0]
    k_total = providers["quality"].shape[0]
    if not 0.0 <= reconsider_prob <= 1.0:
        raise ValueError(f"reconsider_prob must be in [0, 1], got {reconsider_prob}")
    if not 0 <= n_general <= k_total:
        raise ValueError(f"n_general={n_general} outside [0, {k_total}]")
    if niche_idx.size and (niche_idx.min() < n_general or niche_idx.max() >= k_total):
        raise ValueError("niche_idx holds ids outside [n_general, K)")
    if n and (niche.min() < 0 or niche.max() >= niche_ptr.shape[0] - 1):
        raise ValueError("user niche outside [0, M)")
    widths = np.diff(niche_ptr)
    kmax = n_general + (int(widths.max()) if widths.size else 0)
    partial = np.zeros(((n + CHUNK - 1) // CHUNK, 3), dtype=np.float64)
    base = np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))
    _market_kernel(
        niche, users["adopted"], users["alpha"], users["beta_q"], users["beta_o"],
        users["switch_cost"], users["capacity"], users["choice"],
        users["surplus"] if "surplus" in users else np.empty(n), n_general,
        niche_ptr, niche_idx, providers["quality"], providers["price"],
        providers["openness"], providers["lognet"], providers["depth"],
        providers["redirect"], float(reconsider_prob), float(outside_utility), base,
        max(kmax, 1), partial,
    )
    totals = partial.sum(axis=0) if partial.shape[0] else np.zeros(3)
    return MarketResult(
        counts=_count(users["choice"], k_total),
        consumer_surplus=float(totals[0]),
        access=round(totals[1]),
        meaningful=float(totals[2]),
    )
