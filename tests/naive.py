"""Plain-Python reference implementations of the Numba kernels in :mod:`sim.kernels`.

This module is the executable specification the kernel tests compare against. It is written
for reading, not for speed: explicit loops over users, nodes and edges, ``math`` for the
scalar functions, Python integers masked to 64 bits for the generator, and NumPy only to
allocate and return arrays. It never calls a kernel; the one function it borrows from
``sim`` is :func:`sim.kernels.diffusion.bass_step_probability`, which is pure Python and is
checked independently (against a numerical ODE solution) in ``tests/unit/test_kernels.py``.

Every reference function returns new arrays instead of updating its inputs in place, and
draws its uniforms at exactly the indices the kernel uses, so the two can be compared value
for value:

* market: user ``u`` decides whether to reconsider with the draw at index ``2u`` and picks
  a provider with the draw at index ``2u + 1``;
* mean-field Bass: user ``u`` uses the draw at index ``u``;
* network Bass: node ``i`` in sub-step ``s`` uses the draw at index ``s * n + i``.

Sums over users are formed per chunk of :data:`CHUNK` users and the chunk totals are added
in chunk order, the reduction order the kernels document, so even floating-point totals are
expected to agree to the last bit or nearly so.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels.diffusion import bass_step_probability

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
M1 = 0xBF58476D1CE4E5B9
M2 = 0x94D049BB133111EB
CHUNK = 4096  # the kernels' documented reduction order: per-chunk partial sums


# --------------------------------------------------------------------------------------
# Counter-based uniforms (SplitMix64)
# --------------------------------------------------------------------------------------


def mix(z: int) -> int:
    """SplitMix64 finaliser of a 64-bit integer."""
    z = ((z ^ (z >> 30)) * M1) & MASK64
    z = ((z ^ (z >> 27)) * M2) & MASK64
    return z ^ (z >> 31)


def stream_base(key: int, step: int, stream: int) -> int:
    """Base of the stream of draws named ``(key, step, stream)``."""
    inner = mix((stream + GOLDEN) & MASK64)
    middle = mix((step * GOLDEN + inner) & MASK64)
    return mix(key ^ middle)


def splitmix64_at(base: int, index: int) -> int:
    """64-bit output ``index`` of SplitMix64 started from state ``base``."""
    return mix((base + (index + 1) * GOLDEN) & MASK64)


def uniform_at(base: int, index: int) -> float:
    """Uniform in [0, 1) from the top 53 bits of output ``index`` of the stream."""
    return (splitmix64_at(base, index) >> 11) / 2.0**53


def uniforms(key: int, step: int, stream: int, n: int) -> np.ndarray:
    """``n`` uniforms of the stream ``(key, step, stream)``, element ``i`` at index ``i``."""
    base = stream_base(key, step, stream)
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform_at(base, i)
    return out


# --------------------------------------------------------------------------------------
# Multinomial-logit market
# --------------------------------------------------------------------------------------


def offered(n_general: int, niche_ptr, niche_idx, m: int) -> list[int]:
    """Providers offered in niche ``m``, in the kernel's order: labs first, then the list."""
    return list(range(n_general)) + [int(j) for j in niche_idx[niche_ptr[m]:niche_ptr[m + 1]]]


def market_step(
    users: dict, providers: dict, *, n_general: int, niche_ptr, niche_idx,
    reconsider_prob: float, outside_utility: float, key: int, step: int, stream: int = 0,
):
    """One market step; return ``(counts, consumer_surplus, access, meaningful, choice)``.

    Unlike the kernel, the input ``users["choice"]`` is left alone; the new choices are
    returned.
    """
    n = len(users["niche"])
    n_providers = len(providers["quality"])
    base = stream_base(key, step, stream)
    choice = np.full(n, -1, dtype=np.int32)
    chunk_totals = []  # (surplus, access, meaningful) per chunk of CHUNK users
    for start in range(0, n, CHUNK):
        surplus = 0.0
        access = 0.0
        meaningful = 0.0
        for u in range(start, min(n, start + CHUNK)):
            if users["adopted"][u] == 0:
                continue  # non-adopters hold the outside option and have no surplus
            alpha = float(users["alpha"][u])
            options = offered(n_general, niche_ptr, niche_idx, int(users["niche"][u]))

            # Where she stands: her provider, after acquisitions and exits.
            current = int(users["choice"][u])
            forced = False
            if current >= 0:
                current = int(providers["redirect"][current])
                if current < 0:
                    forced = True  # her provider left the market
                elif current not in options:
                    current = -1  # her provider is not offered in her niche: as if gone
                    forced = True
            if current < 0:
                forced = True  # an adopter without a provider keeps looking every step
            switch = float(users["switch_cost"][u]) if current >= 0 else 0.0

            # Utilities; leaving the current provider (for anything) costs `switch`.
            v_outside = outside_utility - switch
            utilities = []
            for j in options:
                x = (float(users["beta_q"][u]) * float(providers["quality"][j])
                     + float(users["beta_o"][u]) * float(providers["openness"][j])
                     - alpha * float(providers["price"][j])
                     + float(providers["lognet"][j]))
                if current >= 0 and j != current:
                    x -= switch
                utilities.append(x)

            # Log-sum with the largest utility subtracted, so exp never overflows.
            v_max = max([v_outside, *utilities])
            weight_outside = math.exp(v_outside - v_max)
            weights = [math.exp(x - v_max) for x in utilities]
            total = weight_outside
            for w in weights:
                total += w
            surplus += (v_max + math.log(total) - outside_utility) / alpha

            # Redraw with probability reconsider_prob (always when forced), by inverting the
            # cumulative logit weights: outside option first, then providers in order.
            if forced or uniform_at(base, 2 * u) < reconsider_prob:
                r = uniform_at(base, 2 * u + 1) * total
                cumulative = weight_outside
                if r < cumulative:
                    current = -1
                else:
                    current = options[-1] if options else -1  # guard against rounding
                    for j, w in zip(options, weights, strict=True):
                        cumulative += w
                        if r < cumulative:
                            current = j
                            break
            choice[u] = current
            if current >= 0:
                access += 1.0
                meaningful += float(users["capacity"][u]) * float(providers["depth"][current])
        chunk_totals.append((surplus, access, meaningful))

    surplus = access = meaningful = 0.0
    for s, a, m in chunk_totals:
        surplus += s
        access += a
        meaningful += m
    counts = np.zeros(n_providers, dtype=np.int64)
    for u in range(n):
        if choice[u] >= 0:
            counts[choice[u]] += 1
    return counts, surplus, int(access), meaningful, choice


# --------------------------------------------------------------------------------------
# Bass diffusion
# --------------------------------------------------------------------------------------


def bass_closed_form(t: float, p: float, q: float) -> float:
    """Adopted share at time ``t`` of the Bass model from ``F(0) = 0`` (needs ``p > 0``)."""
    e = math.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_meanfield_step(adopted, p: float, q: float, *, key: int, step: int, stream: int,
                        dt: float = 1.0):
    """Mean-field Bass step; return ``(number of new adopters, new adopted array)``."""
    n = len(adopted)
    new = np.array(adopted, dtype=np.uint8, copy=True)
    if n == 0:
        return 0, new
    share = sum(1 for a in adopted if a != 0) / n
    prob = bass_step_probability(share, p, q, dt)
    base = stream_base(key, step, stream)
    added = 0
    for u in range(n):
        if adopted[u] == 0 and uniform_at(base, u) < prob:
            new[u] = 1
            added += 1
    return added, new


def bass_network_step(adopted, indptr, indices, p: float, q: float, *, key: int, step: int,
                      stream: int, dt: float = 1.0, substeps: int = 4):
    """Network Bass step; return ``(number of new adopters, new adopted array)``.

    Sub-steps are synchronous: every node looks at its neighbours' state at the start of
    the sub-step, so adoption spreads at most one hop per sub-step.
    """
    n = len(adopted)
    h = dt / substeps
    base = stream_base(key, step, stream)
    state = [1 if a != 0 else 0 for a in adopted]
    added = 0
    for s in range(substeps):
        old = list(state)
        for i in range(n):
            if old[i]:
                continue
            neighbours = [int(j) for j in indices[indptr[i]:indptr[i + 1]]]
            share = sum(old[j] for j in neighbours) / len(neighbours) if neighbours else 0.0
            prob = 1.0 - math.exp(-(p + q * share) * h)
            if uniform_at(base, s * n + i) < prob:
                state[i] = 1
                added += 1
    return added, np.array(state, dtype=np.uint8)


# --------------------------------------------------------------------------------------
# Knowledge spill-over
# --------------------------------------------------------------------------------------


def spillover(indptr, indices, weights, level, openness) -> np.ndarray:
    """``out[i] = sum_j w_ij o_j max(0, level_j - level_i)`` over the CSR neighbours of i."""
    n = len(level)
    out = np.zeros(n, dtype=np.float64)
    for i in range(n):
        acc = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            gap = float(level[j]) - float(level[i])
            if gap > 0.0:
                acc += float(weights[e]) * float(openness[j]) * gap
        out[i] = acc
    return out


# --------------------------------------------------------------------------------------
# Fermi imitation of the safety strategy
# --------------------------------------------------------------------------------------


def han_payoff(matrix: np.ndarray, safe: int, k: int, n: int) -> float:
    """Average payoff against the other ``n - 1`` labs when ``k`` of all ``n`` are safe."""
    if safe:
        return (matrix[0][0] * (k - 1) + matrix[0][1] * (n - k)) / (n - 1)
    return (matrix[1][0] * k + matrix[1][1] * (n - k - 1)) / (n - 1)


def imitate(safe: np.ndarray, matrix: np.ndarray | None, profit: np.ndarray | None,
            beta: float, mutation: float, events: int, key: int, step: int,
            stream: int) -> np.ndarray:
    """Event ``e`` reads the uniforms at ``4e`` (focal), ``4e + 1`` (model, skipping the
    focal), ``4e + 2`` (mutation) and ``4e + 3`` (acceptance, or the explored strategy)."""
    out = [int(x) for x in safe]
    n = len(out)
    base = stream_base(key, step, stream)
    for e in range(events):
        a = min(int(uniform_at(base, 4 * e) * n), n - 1)
        b = min(int(uniform_at(base, 4 * e + 1) * (n - 1)), n - 2)
        if b >= a:
            b += 1
        u = uniform_at(base, 4 * e + 3)
        if uniform_at(base, 4 * e + 2) < mutation:
            out[a] = 1 if u < 0.5 else 0
            continue
        if matrix is None:
            pay_a, pay_b = profit[a], profit[b]
        else:
            k = sum(out)
            pay_a, pay_b = (han_payoff(matrix, out[i], k, n) for i in (a, b))
        diff = min(700.0, max(-700.0, beta * (pay_b - pay_a)))
        if u < 1.0 / (1.0 + math.exp(-diff)):
            out[a] = out[b]
    return np.array(out, dtype=np.uint8)


# -- inequality ----------------------------------------------------------------------------
def gini(values: np.ndarray) -> float:
    """``2 Σ_k k x_(k) / (n Σ x) − (n + 1) / n`` over all values sorted, ranks from 1."""
    x = sorted(float(v) for v in values)
    n, total = len(x), math.fsum(x)
    if n < 2 or total <= 0.0:
        return 0.0
    return 2.0 * math.fsum((k + 1) * v for k, v in enumerate(x)) / (n * total) - (n + 1.0) / n


def benefit_sums(choice, capacity, surplus, jurisdiction, depth, low: float, high: float,
                 n_jurisdictions: int):
    """Meaningful access per user and its group sums, added in user order."""
    meaningful = []
    bottom, top = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
    users, access = [0.0] * n_jurisdictions, [0.0] * n_jurisdictions
    for h, c, s, j in zip(choice, capacity, surplus, jurisdiction, strict=True):
        a = float(c) * float(depth[h]) if h >= 0 else 0.0
        meaningful.append(a)
        for group, inside in ((bottom, c <= low), (top, c >= high)):
            if inside:
                group[0] += 1.0
                group[1] += a
                group[2] += float(s)
        users[j] += 1.0
        access[j] += a
    return (np.array(meaningful), np.array(bottom), np.array(top), np.array(users),
            np.array(access))
