"""Tests of the Numba kernels in ``sim.kernels`` against the reference in ``tests/naive.py``.

Floats computed by the same operations in the same order as the reference (same utilities,
same running sums, same chunked reduction) are compared with ``rtol=1e-12``; in practice
they agree to the last bit, and the tolerance only allows for a libm ``exp``/``log`` that
differs by an ulp between compiled and interpreted code. Looser tolerances appear only
where the check is independent of the reference (an ODE solver, a log-sum-exp with another
summation order, sampling error) and each says why.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit
from numpy.testing import assert_allclose, assert_array_equal
from scipy.integrate import solve_ivp
from scipy.special import logsumexp, softmax

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for naive.py

import naive

import sim.kernels
from sim.kernels import (
    bass_meanfield_step,
    bass_network_step,
    bass_step_probability,
    market_step,
    spillover,
    uniforms,
)
from sim.kernels.fastexp import exp_nonpos
from sim.kernels.market import CHUNK
from sim.kernels.rng import uniform_at

JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")

pytestmark = [
    # Without JIT the kernels run on NumPy uint64 scalars, which wrap modulo 2**64 exactly
    # as intended but warn about it; compiled code does not warn.
    pytest.mark.filterwarnings("ignore:overflow encountered in scalar:RuntimeWarning"),
]

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
RTOL = 1e-12

U64 = st.integers(min_value=0, max_value=2**64 - 1)


# ======================================================================================
# Counter-based uniforms
# ======================================================================================


@FAST
@given(key=U64, step=U64, stream=U64, n=st.integers(0, 64))
def test_uniforms_bit_identical_to_naive(key, step, stream, n):
    got = uniforms(key, step, stream, n)
    want = naive.uniforms(key, step, stream, n)
    assert got.shape == (n,) and got.dtype == np.float64
    assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    assert np.all(got >= 0.0) and np.all(got < 1.0)


def test_uniform_at_reproduces_published_splitmix64_outputs():
    # First outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c), an anchor
    # independent of both implementations here.
    published = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                 4593380528125082431, 16408922859458223821]
    for i, z in enumerate(published):
        assert naive.splitmix64_at(1234567, i) == z
        assert uniform_at(np.uint64(1234567), np.uint64(i)) == (z >> 11) * 2.0**-53


def test_uniforms_extremes_stay_below_one():
    # The largest 53-bit value maps to 1 - 2**-53 < 1, never to 1.
    assert ((2**64 - 1) >> 11) * 2.0**-53 < 1.0
    for key in (0, 2**64 - 1):
        u = uniforms(key, 2**64 - 1, 2**64 - 1, 1000)
        assert np.all((u >= 0.0) & (u < 1.0))
        assert_array_equal(u, naive.uniforms(key, 2**64 - 1, 2**64 - 1, 1000))


def test_uniforms_streams_differ_and_look_uniform():
    a = uniforms(7, 0, 0, 100_000)
    # Sampling error: mean of U(0,1) has sd 1/sqrt(12 n) ~ 9e-4; 5 sd.
    assert abs(a.mean() - 0.5) < 5 / math.sqrt(12 * a.size)
    hist = np.bincount((a * 10).astype(np.int64), minlength=10)
    assert hist.size == 10 and np.all(np.abs(hist - 10_000) < 5 * math.sqrt(10_000 * 0.9))
    for other in (uniforms(8, 0, 0, 1000), uniforms(7, 1, 0, 1000), uniforms(7, 0, 1, 1000)):
        assert not np.array_equal(a[:1000], other)
    assert_array_equal(uniforms(7, 0, 0, 10), a[:10])  # a prefix is the same draws


def test_uniforms_rejects_negative_n_and_allows_zero():
    with pytest.raises(ValueError):
        uniforms(0, 0, 0, -1)
    assert uniforms(0, 0, 0, 0).shape == (0,)


# ======================================================================================
# Multinomial-logit market
# ======================================================================================


def make_market(rng, n, n_providers, n_general, n_niches, *, scale=1.0, adopt=0.8,
                stale=0.1, redirects=True):
    """Random market: CSR niche lists (possibly empty), users holding a mix of nothing,
    offered providers and (with probability ``stale``) any provider at all."""
    niche_lists = []
    for _ in range(n_niches):
        pool = np.arange(n_general, n_providers)
        rng.shuffle(pool)
        niche_lists.append(pool[: rng.integers(0, pool.size + 1)])
    niche_ptr = np.zeros(n_niches + 1, dtype=np.int32)
    niche_ptr[1:] = np.cumsum([len(x) for x in niche_lists])
    niche_idx = (np.concatenate(niche_lists) if niche_lists else np.zeros(0)).astype(np.int32)

    niche = rng.integers(0, n_niches, n).astype(np.int32)
    choice = np.full(n, -1, dtype=np.int32)
    for u in range(n):
        r = rng.random()
        options = naive.offered(n_general, niche_ptr, niche_idx, niche[u])
        if r < stale and n_providers:
            choice[u] = rng.integers(0, n_providers)
        elif r < 0.7 and options:
            choice[u] = options[rng.integers(0, len(options))]
    users = {
        "niche": niche,
        "adopted": (rng.random(n) < adopt).astype(np.uint8),
        "alpha": rng.uniform(0.2, 3.0, n),
        "beta_q": rng.normal(1.0, 0.5, n),
        "beta_o": rng.normal(0.3, 0.5, n),
        "switch_cost": rng.uniform(0.0, 2.0, n) * scale,
        "capacity": rng.uniform(0.0, 1.0, n),
        "choice": choice,
    }
    redirect = np.arange(n_providers, dtype=np.int32)
    if redirects:
        for j in range(n_providers):
            r = rng.random()
            if r < 0.15:
                redirect[j] = -1
            elif r < 0.3:
                redirect[j] = rng.integers(0, n_providers)
    providers = {
        "quality": rng.normal(0.0, 1.0, n_providers) * scale,
        "price": rng.uniform(0.0, 2.0, n_providers) * scale,
        "openness": rng.uniform(0.0, 1.0, n_providers),
        "lognet": rng.normal(0.0, 1.0, n_providers) * scale,
        "depth": rng.uniform(0.0, 1.0, n_providers),
        "redirect": redirect,
    }
    return users, providers, niche_ptr, niche_idx


def run_market(users, providers, niche_ptr, niche_idx, *, n_general, reconsider_prob,
               outside_utility=0.0, key=1, step=2, stream=3):
    """Run kernel (on a copy of the choices) and reference; check they agree; return both."""
    kernel_users = dict(users, choice=users["choice"].copy())
    kw = dict(n_general=n_general, niche_ptr=niche_ptr, niche_idx=niche_idx,
              reconsider_prob=reconsider_prob, outside_utility=outside_utility,
              key=key, step=step, stream=stream)
    res = market_step(kernel_users, providers, **kw)
    counts, cs, access, meaningful, choice = naive.market_step(users, providers, **kw)
    assert_array_equal(kernel_users["choice"], choice)
    assert_array_equal(res.counts, counts)
    assert res.counts.dtype == np.int64
    assert res.access == access
    scale_cs = sum(abs(x) for x in per_user_surplus(users, providers, n_general, niche_ptr,
                                                    niche_idx, outside_utility))
    assert_allclose(res.consumer_surplus, cs, rtol=RTOL, atol=RTOL * scale_cs)
    assert_allclose(res.meaningful, meaningful, rtol=RTOL, atol=0.0)
    return res, kernel_users["choice"]


def per_user_surplus(users, providers, n_general, niche_ptr, niche_idx, outside_utility):
    """Independent log-sum surplus per adopted user via scipy's logsumexp (no draws)."""
    out = []
    for u in range(len(users["niche"])):
        if not users["adopted"][u]:
            continue
        options = naive.offered(n_general, niche_ptr, niche_idx, users["niche"][u])
        cur = int(users["choice"][u])
        cur = int(providers["redirect"][cur]) if cur >= 0 else -1
        if cur not in options:
            cur = -1
        sw = users["switch_cost"][u] if cur >= 0 else 0.0
        j = np.array(options, dtype=np.int64)
        v = (users["beta_q"][u] * providers["quality"][j]
             + users["beta_o"][u] * providers["openness"][j]
             - users["alpha"][u] * providers["price"][j] + providers["lognet"][j])
        v = v - sw * (j != cur)
        out.append((logsumexp(np.append(v, outside_utility - sw)) - outside_utility)
                   / users["alpha"][u])
    return out


def check_market_invariants(users, providers, res, new_choice, niche_ptr, niche_idx,
                            n_general, reconsider_prob):
    old = users["choice"]
    for u in range(len(new_choice)):
        c = int(new_choice[u])
        if not users["adopted"][u]:
            assert c == -1
            continue
        options = naive.offered(n_general, niche_ptr, niche_idx, users["niche"][u])
        assert c == -1 or c in options
        if reconsider_prob == 0.0 and old[u] >= 0:
            target = int(providers["redirect"][old[u]])
            if target >= 0 and target in options:
                assert c == target  # nobody reconsiders unless forced
    assert res.counts.sum() == res.access
    assert_array_equal(res.counts, np.bincount(new_choice[new_choice >= 0],
                                               minlength=len(providers["quality"])))
    held = new_choice >= 0
    assert_allclose(res.meaningful,
                    float(np.sum(users["capacity"][held] * providers["depth"][new_choice[held]])),
                    rtol=1e-12, atol=1e-12)


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 60),
    n_providers=st.integers(1, 7),
    general_frac=st.floats(0.0, 1.0),
    n_niches=st.integers(1, 4),
    reconsider_prob=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)),
    scale=st.sampled_from([1e-3, 1.0, 50.0, 1e4]),
    outside_utility=st.floats(-5.0, 5.0),
)
def test_market_matches_naive_and_keeps_invariants(
    seed, n, n_providers, general_frac, n_niches, reconsider_prob, scale, outside_utility,
):
    rng = np.random.default_rng(seed)
    n_general = round(general_frac * n_providers)
    users, providers, ptr, idx = make_market(rng, n, n_providers, n_general, n_niches,
                                             scale=scale)
    res, new_choice = run_market(users, providers, ptr, idx, n_general=n_general,
                                 reconsider_prob=reconsider_prob,
                                 outside_utility=outside_utility, key=seed, step=n)
    assert math.isfinite(res.consumer_surplus)
    assert_allclose(res.consumer_surplus,
                    math.fsum(per_user_surplus(users, providers, n_general, ptr, idx,
                                               outside_utility)),
                    # logsumexp sums in another order: agreement to ~1e-10 relative to the
                    # per-user magnitudes is all that can be asked.
                    rtol=1e-9, atol=1e-9 * (1.0 + scale) * max(n, 1))
    check_market_invariants(users, providers, res, new_choice, ptr, idx, n_general,
                            reconsider_prob)


def test_market_zero_users():
    rng = np.random.default_rng(0)
    users, providers, ptr, idx = make_market(rng, 0, 4, 2, 3)
    res, choice = run_market(users, providers, ptr, idx, n_general=2, reconsider_prob=0.5)
    assert choice.shape == (0,)
    assert_array_equal(res.counts, np.zeros(4, dtype=np.int64))
    assert res.consumer_surplus == 0.0 and res.access == 0 and res.meaningful == 0.0


def one_user_market(*, quality, choice=-1, adopted=1, switch_cost=0.0, redirect=None,
                    n_general=None, niche_lists=((),), niche=0):
    k = len(quality)
    users = {
        "niche": np.array([niche], dtype=np.int32),
        "adopted": np.array([adopted], dtype=np.uint8),
        "alpha": np.array([1.0]), "beta_q": np.array([1.0]), "beta_o": np.array([0.0]),
        "switch_cost": np.array([switch_cost]), "capacity": np.array([0.5]),
        "choice": np.array([choice], dtype=np.int32),
    }
    providers = {
        "quality": np.asarray(quality, dtype=np.float64), "price": np.zeros(k),
        "openness": np.zeros(k), "lognet": np.zeros(k), "depth": np.linspace(0.1, 1.0, k),
        "redirect": (np.arange(k, dtype=np.int32) if redirect is None
                     else np.asarray(redirect, dtype=np.int32)),
    }
    ptr = np.zeros(len(niche_lists) + 1, dtype=np.int32)
    ptr[1:] = np.cumsum([len(x) for x in niche_lists])
    idx = np.array([j for x in niche_lists for j in x], dtype=np.int32)
    return users, providers, ptr, idx, (k if n_general is None else n_general)


def test_market_one_user_exact_surplus_and_choice():
    users, providers, ptr, idx, ng = one_user_market(quality=[1.0, 2.0])
    res, choice = run_market(users, providers, ptr, idx, n_general=ng, reconsider_prob=1.0)
    # Outside utility 0, providers 1 and 2: CS = log(1 + e + e^2) exactly as written.
    assert res.consumer_surplus == pytest.approx(math.log(1 + math.e + math.e**2), rel=1e-14)
    assert choice[0] in (-1, 0, 1)
    assert res.access == int(choice[0] >= 0)
    if choice[0] >= 0:
        assert res.meaningful == pytest.approx(0.5 * providers["depth"][choice[0]], rel=1e-15)


def test_market_non_adopter_holds_nothing_and_has_no_surplus():
    users, providers, ptr, idx, ng = one_user_market(quality=[5.0, 6.0], choice=1, adopted=0)
    res, choice = run_market(users, providers, ptr, idx, n_general=ng, reconsider_prob=1.0)
    assert choice[0] == -1
    assert res.consumer_surplus == 0.0 and res.access == 0
    assert_array_equal(res.counts, [0, 0])


def test_market_no_providers_in_niche():
    # No labs, and niche 0 offers nothing: the only option is the outside good.
    users, providers, ptr, idx, _ = one_user_market(quality=[3.0, 4.0], n_general=0,
                                                    niche_lists=((), (0, 1)))
    res, choice = run_market(users, providers, ptr, idx, n_general=0, reconsider_prob=1.0)
    assert choice[0] == -1 and res.access == 0
    assert res.consumer_surplus == 0.0  # log(exp(0)) - 0
    # The same user in niche 1 (which offers both) can end anywhere, with positive surplus.
    users["niche"][0] = 1
    res, _ = run_market(users, providers, ptr, idx, n_general=0, reconsider_prob=1.0)
    assert res.consumer_surplus == pytest.approx(math.log(1 + math.exp(3) + math.exp(4)))


def test_market_forced_reconsideration_when_provider_exits():
    # 500 users; half hold niche provider 2, which exits (redirect -1, dropped from the
    # niche list); reconsider_prob=0 so only the forced users move.
    rng = np.random.default_rng(3)
    users, providers, _, _ = make_market(rng, 500, 4, 2, 1, stale=0.0, redirects=False)
    ptr = np.array([0, 1], dtype=np.int32)
    idx = np.array([3], dtype=np.int32)
    users["adopted"][:] = 1
    users["choice"][:250] = 2
    users["choice"][250:] = 1
    providers["redirect"][2] = -1
    res, choice = run_market(users, providers, ptr, idx, n_general=2, reconsider_prob=0.0)
    assert np.all(choice != 2) and res.counts[2] == 0
    assert np.all(choice[250:] == 1)  # the others stay put
    # The forced users redraw among outside, 0, 1 and 3 rather than all landing on one.
    assert len(set(choice[:250].tolist())) > 1


def test_market_redirect_to_acquirer():
    rng = np.random.default_rng(4)
    n_general = 2
    users, providers, ptr, idx = make_market(rng, 300, 5, n_general, 1, stale=0.0,
                                             redirects=False)
    users["adopted"][:] = 1
    users["choice"][:] = 3
    ptr = np.array([0, 2], dtype=np.int32)
    idx = np.array([3, 4], dtype=np.int32)
    providers["redirect"][3] = 1  # lab 1 acquires provider 3
    res, choice = run_market(users, providers, ptr, idx, n_general=n_general,
                             reconsider_prob=0.0)
    assert np.all(choice == 1) and res.counts[1] == 300 and res.counts[3] == 0
    # Acquired by niche provider 4, which serves this niche: users follow it too.
    providers["redirect"][3] = 4
    _, choice = run_market(users, providers, ptr, idx, n_general=n_general, reconsider_prob=0.0)
    assert np.all(choice == 4)


def test_market_acquirer_not_offered_in_niche_forces_redraw():
    # Provider 2 (niche 0) is bought by provider 3, which only serves niche 1: the user may
    # not keep a provider her niche does not offer, so she redraws without switching cost.
    users, providers, ptr, idx, _ = one_user_market(
        quality=[0.0, 0.0, 0.0, 50.0], choice=2, redirect=[0, 1, 3, 3], n_general=0,
        niche_lists=((1, 2), (3,)), switch_cost=10.0)
    res, choice = run_market(users, providers, ptr, idx, n_general=0, reconsider_prob=0.0)
    assert choice[0] in (-1, 1, 2)
    # With no current provider, no switching cost: three options of utility 0.
    assert res.consumer_surplus == pytest.approx(math.log(3.0), rel=1e-14)


def test_market_reconsider_prob_zero_keeps_every_holder():
    rng = np.random.default_rng(5)
    users, providers, ptr, idx = make_market(rng, 400, 6, 2, 3, stale=0.0, redirects=False)
    res, choice = run_market(users, providers, ptr, idx, n_general=2, reconsider_prob=0.0)
    holders = (users["adopted"] == 1) & (users["choice"] >= 0)
    assert_array_equal(choice[holders], users["choice"][holders])
    assert np.all(choice[users["adopted"] == 0] == -1)
    # adopters without a provider keep looking: with four options, most find one
    looking = (users["adopted"] == 1) & (users["choice"] < 0)
    assert looking.sum() > 20
    assert np.mean(choice[looking] >= 0) > 0.5
    check_market_invariants(users, providers, res, choice, ptr, idx, 2, 0.0)


def test_market_reconsider_prob_one_follows_logit_probabilities():
    # 20000 identical users holding provider 0 with a switching cost, all redrawing: the
    # empirical shares must match the logit probabilities computed here independently.
    n, k, sw, out_u = 20_000, 4, 0.7, 0.2
    quality = np.array([0.5, 1.0, -0.3, 0.8])
    users = {
        "niche": np.zeros(n, dtype=np.int32), "adopted": np.ones(n, dtype=np.uint8),
        "alpha": np.full(n, 1.5), "beta_q": np.full(n, 1.2), "beta_o": np.full(n, 0.4),
        "switch_cost": np.full(n, sw), "capacity": np.ones(n),
        "choice": np.zeros(n, dtype=np.int32),
    }
    providers = {
        "quality": quality, "price": np.array([0.3, 0.6, 0.0, 0.2]),
        "openness": np.array([1.0, 0.0, 0.5, 0.2]), "lognet": np.array([0.1, 0.3, 0.0, 0.0]),
        "depth": np.ones(k), "redirect": np.arange(k, dtype=np.int32),
    }
    ptr = np.array([0, 2], dtype=np.int32)
    idx = np.array([3, 2], dtype=np.int32)  # niche order differs from id order on purpose
    res, _ = run_market(users, providers, ptr, idx, n_general=2, reconsider_prob=1.0,
                        outside_utility=out_u)
    v = 1.2 * quality + 0.4 * providers["openness"] - 1.5 * providers["price"]
    v = v + providers["lognet"] - sw * (np.arange(k) != 0)
    probs = softmax(np.append(v, out_u - sw))  # providers 0..3, then the outside option
    freq = np.append(res.counts, n - res.access) / n
    sd = np.sqrt(probs * (1 - probs) / n)
    assert np.all(np.abs(freq - probs) < 5 * sd + 1e-12), (freq, probs)
    expected_cs = n * (logsumexp(np.append(v, out_u - sw)) - out_u) / 1.5
    assert res.consumer_surplus == pytest.approx(expected_cs, rel=1e-10)  # n-term sum order


@pytest.mark.parametrize("big", [1e3, 1e5, 1e300 ** 0.5])
def test_market_huge_and_tiny_utilities_do_not_overflow(big):
    # exp(1e3) overflows a naive softmax; with max-subtraction all stays finite and exact.
    users, providers, ptr, idx, ng = one_user_market(quality=[big, big - 1.0, -big])
    res, choice = run_market(users, providers, ptr, idx, n_general=ng, reconsider_prob=1.0)
    assert math.isfinite(res.consumer_surplus)
    assert res.consumer_surplus == pytest.approx(
        float(logsumexp([0.0, big, big - 1.0, -big])), rel=1e-12)
    assert choice[0] in (0, 1)  # the outside option and provider 2 have weight ~0
    # All providers hugely worse than the outside good: nobody adopts one, surplus ~0.
    users, providers, ptr, idx, ng = one_user_market(quality=[-big, -2 * big])
    res, choice = run_market(users, providers, ptr, idx, n_general=ng, reconsider_prob=1.0)
    assert choice[0] == -1 and res.access == 0
    assert res.consumer_surplus == 0.0  # 0 + log(1 + exp(-big) + ...) - 0, exp underflows


def test_market_deterministic_extremes_with_many_users():
    # With a dominant provider (utility gap 1e4) every reconsidering user picks it.
    rng = np.random.default_rng(6)
    users, providers, ptr, idx = make_market(rng, 2000, 3, 3, 1, stale=0.0, redirects=False)
    users["adopted"][:] = 1
    users["switch_cost"][:] = 0.0
    providers["lognet"][:] = [0.0, 1e4, 0.0]
    res, choice = run_market(users, providers, ptr, idx, n_general=3, reconsider_prob=1.0)
    assert np.all(choice == 1) and res.counts[1] == 2000


def test_market_several_chunks():
    # More users than one chunk: the chunked reduction still matches the reference.
    rng = np.random.default_rng(7)
    n = 2 * CHUNK + 123
    users, providers, ptr, idx = make_market(rng, n, 8, 3, 5)
    res, choice = run_market(users, providers, ptr, idx, n_general=3, reconsider_prob=0.3)
    check_market_invariants(users, providers, res, choice, ptr, idx, 3, 0.3)
    # A different step draws differently.
    _, choice2 = run_market(users, providers, ptr, idx, n_general=3, reconsider_prob=0.3,
                            step=99)
    assert not np.array_equal(choice, choice2)


def test_market_rejects_bad_inputs():
    rng = np.random.default_rng(8)
    users, providers, ptr, idx = make_market(rng, 10, 4, 2, 2)
    kw = dict(n_general=2, niche_ptr=ptr, niche_idx=idx, reconsider_prob=0.5,
              outside_utility=0.0, key=0, step=0)
    with pytest.raises(ValueError, match="reconsider_prob"):
        market_step(users, providers, **dict(kw, reconsider_prob=1.5))
    with pytest.raises(ValueError, match="n_general"):
        market_step(users, providers, **dict(kw, n_general=5))
    with pytest.raises(ValueError, match="niche_idx"):
        market_step(users, providers, **dict(kw, niche_idx=np.array([0], dtype=np.int32),
                                             niche_ptr=np.array([0, 1, 1], dtype=np.int32)))
    bad = dict(users, niche=np.full(10, 2, dtype=np.int32))
    with pytest.raises(ValueError, match="niche"):
        market_step(bad, providers, **kw)


# ======================================================================================
# Bass: step probability
# ======================================================================================


def ode_step_probability(share, p, q, dt):
    sol = solve_ivp(lambda t, f: (p + q * f) * (1 - f), (0.0, dt), [share],
                    method="DOP853", rtol=1e-12, atol=1e-14)
    new = float(sol.y[0, -1])
    return (new - share) / (1 - share)


@FAST
@given(share=st.floats(0.0, 0.99), p=st.one_of(st.just(0.0), st.floats(1e-4, 1.0)),
       q=st.one_of(st.just(0.0), st.floats(1e-4, 2.0)), dt=st.floats(0.01, 3.0))
def test_bass_step_probability_matches_ode_solution(share, p, q, dt):
    got = bass_step_probability(share, p, q, dt)
    assert 0.0 <= got <= 1.0
    # solve_ivp is accurate to its tolerances (~1e-12 in F), divided by 1 - share >= 0.01.
    assert got == pytest.approx(ode_step_probability(share, p, q, dt), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize(("p", "q", "dt"), [(0.03, 0.38, 1.0), (0.01, 0.5, 0.25),
                                            (0.2, 0.0, 1.0), (1e-6, 3.0, 0.5)])
def test_bass_step_probability_iterates_to_closed_form(p, q, dt):
    f = 0.0
    for k in range(1, 81):
        f += (1.0 - f) * bass_step_probability(f, p, q, dt)
        # Exact flow map composed 80 times: only rounding (a few ulps per step) separates
        # the iterate from the closed form.
        assert f == pytest.approx(naive.bass_closed_form(k * dt, p, q), rel=1e-11, abs=1e-15)


def test_bass_step_probability_edge_cases():
    assert bass_step_probability(1.0, 0.1, 0.5) == 0.0  # everybody adopted
    assert bass_step_probability(0.3, 0.0, 0.0) == 0.0
    assert bass_step_probability(0.0, 0.0, 0.7) == 0.0  # imitation needs adopters
    # Pure innovation: each non-adopter adopts with probability 1 - exp(-p dt).
    assert bass_step_probability(0.4, 0.2, 0.0, 2.0) == pytest.approx(
        -math.expm1(-0.4), rel=1e-12)
    # Pure imitation, logistic: F/(1-F) grows by exp(q dt).
    s, q = 0.2, 0.9
    f1 = s * math.exp(q) / (1 - s + s * math.exp(q))
    assert bass_step_probability(s, 0.0, q) == pytest.approx((f1 - s) / (1 - s), rel=1e-12)
    # Huge imitation rate (exp(q dt) would overflow): everybody adopts, no OverflowError.
    assert bass_step_probability(0.1, 0.0, 800.0) == pytest.approx(1.0, rel=1e-15)
    assert bass_step_probability(0.1, 0.5, 800.0) == pytest.approx(1.0, rel=1e-15)


# ======================================================================================
# Bass: mean-field step
# ======================================================================================


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), frac=st.floats(0.0, 1.0),
       p=st.one_of(st.just(0.0), st.floats(0.0, 2.0)),
       q=st.one_of(st.just(0.0), st.floats(0.0, 5.0)), dt=st.floats(0.05, 2.0))
def test_bass_meanfield_matches_naive(seed, n, frac, p, q, dt):
    rng = np.random.default_rng(seed)
    adopted = (rng.random(n) < frac).astype(np.uint8)
    before = adopted.copy()
    got = bass_meanfield_step(adopted, p, q, key=seed, step=3, stream=1, dt=dt)
    want, want_state = naive.bass_meanfield_step(before, p, q, key=seed, step=3, stream=1,
                                                 dt=dt)
    assert got == want
    assert_array_equal(adopted, want_state)
    assert np.all(adopted[before == 1] == 1)  # absorbing
    assert got == int(adopted.sum()) - int(before.sum())


def test_bass_meanfield_edge_cases():
    assert bass_meanfield_step(np.zeros(0, dtype=np.uint8), 0.1, 0.1, key=0, step=0,
                               stream=0) == 0
    a = np.zeros(1000, dtype=np.uint8)
    assert bass_meanfield_step(a, 0.0, 0.0, key=0, step=0, stream=0) == 0 and a.sum() == 0
    assert bass_meanfield_step(a, 0.0, 5.0, key=0, step=0, stream=0) == 0 and a.sum() == 0
    a[:] = 1
    assert bass_meanfield_step(a, 1.0, 1.0, key=0, step=0, stream=0) == 0 and a.all()
    with pytest.raises(ValueError):
        bass_meanfield_step(a, -0.1, 0.0, key=0, step=0, stream=0)
    with pytest.raises(ValueError):
        bass_meanfield_step(a, 0.1, -1.0, key=0, step=0, stream=0)


def test_bass_meanfield_follows_closed_form():
    n, p, q, dt = 20_000, 0.03, 0.38, 1.0
    adopted = np.zeros(n, dtype=np.uint8)
    for t in range(1, 9):
        bass_meanfield_step(adopted, p, q, key=11, step=t, stream=0, dt=dt)
        f = naive.bass_closed_form(t * dt, p, q)
        # Binomial noise compounds over steps; sd of the share < 0.5/sqrt(n) * t ~ 0.03
        # is a loose bound, the actual error is far smaller. 0.02 still catches a wrong
        # flow (e.g. a hazard of p + q F without the (1 - F) factor).
        assert abs(adopted.mean() - f) < 0.02, (t, adopted.mean(), f)


# ======================================================================================
# Bass: network step
# ======================================================================================


def random_graph(rng, n, mean_degree, isolated=0.2):
    """Random directed CSR graph with some isolated nodes and duplicate-free rows."""
    rows = []
    for _ in range(n):
        if n == 0 or rng.random() < isolated:
            rows.append(np.zeros(0, dtype=np.int32))
            continue
        d = min(n, int(rng.poisson(mean_degree)))
        rows.append(rng.choice(n, size=d, replace=False).astype(np.int32))
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r.size for r in rows])
    indices = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, dtype=np.int32)
    return indptr, indices


def check_network(adopted, indptr, indices, p, q, **kw):
    before = adopted.copy()
    got = bass_network_step(adopted, indptr, indices, p, q, **kw)
    want, want_state = naive.bass_network_step(before, indptr, indices, p, q, **kw)
    assert got == want
    assert_array_equal(adopted, want_state)
    assert np.all(adopted[before != 0] == 1)  # absorbing
    assert got == int(np.count_nonzero(adopted)) - int(np.count_nonzero(before))
    return got


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 80), deg=st.floats(0.0, 6.0),
       frac=st.floats(0.0, 1.0), p=st.one_of(st.just(0.0), st.floats(0.0, 1.0)),
       q=st.one_of(st.just(0.0), st.floats(0.0, 10.0)), dt=st.floats(0.05, 2.0),
       substeps=st.integers(1, 5))
def test_bass_network_matches_naive(seed, n, deg, frac, p, q, dt, substeps):
    rng = np.random.default_rng(seed)
    indptr, indices = random_graph(rng, n, deg)
    adopted = (rng.random(n) < frac).astype(np.uint8)
    check_network(adopted, indptr, indices, p, q, key=seed, step=1, stream=2, dt=dt,
                substeps=substeps)


def test_bass_network_no_rates_no_adoption_and_isolated_nodes_need_p():
    rng = np.random.default_rng(9)
    indptr, indices = random_graph(rng, 500, 4.0)
    adopted = (rng.random(500) < 0.3).astype(np.uint8)
    before = adopted.copy()
    assert check_network(adopted, indptr, indices, 0.0, 0.0, key=0, step=0, stream=0) == 0
    assert_array_equal(adopted, before)
    # p = 0: isolated nodes never adopt, however strong imitation is.
    isolated = np.diff(indptr) == 0
    check_network(adopted, indptr, indices, 0.0, 50.0, key=0, step=1, stream=0)
    assert_array_equal(adopted[isolated], before[isolated])
    assert adopted.sum() > before.sum()  # but connected ones do


def test_bass_network_empty_graph_pure_innovation_rate():
    # No edges at all (empty CSR rows) and q > 0: only innovation acts, and the sub-step
    # hazards compose to 1 - exp(-p dt) per node exactly.
    n, p, dt = 20_000, 0.3, 1.0
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.zeros(0, dtype=np.int32)
    adopted = np.zeros(n, dtype=np.uint8)
    got = bass_network_step(adopted, indptr, indices, p, 5.0, key=3, step=0, stream=0,
                            dt=dt, substeps=4)
    prob = -math.expm1(-p * dt)
    assert abs(got / n - prob) < 5 * math.sqrt(prob * (1 - prob) / n)  # sampling error


def test_bass_network_substeps_are_synchronous():
    # Path 0 -> 1 -> 2 (node i listens to node i - 1). With p = 0 and a huge q, node 1
    # adopts in the first sub-step but node 2 only sees it in the next one.
    indptr = np.array([0, 0, 1, 2], dtype=np.int64)
    indices = np.array([0, 1], dtype=np.int32)
    adopted = np.array([1, 0, 0], dtype=np.uint8)
    assert check_network(adopted, indptr, indices, 0.0, 1e3, key=0, step=0, stream=0,
                       substeps=1) == 1
    assert_array_equal(adopted, [1, 1, 0])
    adopted = np.array([1, 0, 0], dtype=np.uint8)
    assert check_network(adopted, indptr, indices, 0.0, 2e3, key=0, step=0, stream=0,
                       substeps=2) == 2
    assert_array_equal(adopted, [1, 1, 1])


def test_bass_network_high_degree_nodes():
    # 100 hubs each listening to the same 300 adopted leaves (more than a uint8 can count):
    # share is 1, so with q = log 2 each hub adopts with probability 1/2.
    leaves, hubs = 300, 100
    n = leaves + hubs
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[leaves + 1:] = np.arange(1, hubs + 1) * leaves
    indices = np.tile(np.arange(leaves, dtype=np.int32), hubs)
    adopted = np.zeros(n, dtype=np.uint8)
    adopted[:leaves] = 1
    got = check_network(adopted, indptr, indices, 0.0, math.log(2.0), key=5, step=0, stream=0,
                      substeps=1)
    assert abs(got - 50) < 5 * 5  # Binomial(100, 1/2): sd 5


def test_bass_network_several_chunks_and_validation():
    rng = np.random.default_rng(10)
    n = 2 * CHUNK + 77
    indptr, indices = random_graph(rng, n, 3.0)
    adopted = (rng.random(n) < 0.05).astype(np.uint8)
    assert check_network(adopted, indptr, indices, 0.02, 0.6, key=1, step=2, stream=3,
                       substeps=3) > 0
    assert bass_network_step(np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64),
                             indices[:0], 0.1, 0.1, key=0, step=0, stream=0) == 0
    with pytest.raises(ValueError):
        bass_network_step(adopted, indptr[:-1], indices, 0.1, 0.1, key=0, step=0, stream=0)
    with pytest.raises(ValueError):
        bass_network_step(adopted, indptr, indices, 0.1, 0.1, key=0, step=0, stream=0,
                          substeps=0)
    with pytest.raises(ValueError):
        bass_network_step(adopted, indptr, indices, -0.1, 0.1, key=0, step=0, stream=0)


# ======================================================================================
# Spill-over
# ======================================================================================


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 80), deg=st.floats(0.0, 6.0),
       spread=st.sampled_from([1e-6, 1.0, 30.0]))
def test_spillover_matches_naive(seed, n, deg, spread):
    rng = np.random.default_rng(seed)
    indptr, indices = random_graph(rng, n, deg)
    weights = rng.uniform(0.0, 1.0, indices.size)
    level = rng.normal(20.0, spread, n)
    openness = rng.uniform(0.0, 1.0, n)
    got = spillover(indptr, indices, weights, level, openness)
    want = naive.spillover(indptr, indices, weights, level, openness)
    assert_allclose(got, want, rtol=RTOL, atol=0.0)
    assert np.all(got >= 0.0)
    if n:
        top = level == level.max()
        assert np.all(got[top] == 0.0)  # nobody is better placed than the leader
        assert np.all(got[np.diff(indptr) == 0] == 0.0)  # isolated nodes receive nothing


def test_spillover_hand_computed_and_out_argument():
    # 0 listens to 1 and 2; 1 listens to 0; 2 has no neighbours.
    indptr = np.array([0, 2, 3, 3], dtype=np.int64)
    indices = np.array([1, 2, 0], dtype=np.int32)
    weights = np.array([0.5, 2.0, 1.0])
    level = np.array([1.0, 3.0, 2.0])
    openness = np.array([1.0, 0.5, 0.25])
    expected = np.array([0.5 * 0.5 * 2.0 + 2.0 * 0.25 * 1.0, 0.0, 0.0])
    out = np.full(3, np.nan)
    got = spillover(indptr, indices, weights, level, openness, out=out)
    assert got is out
    assert_allclose(out, expected, rtol=RTOL, atol=0.0)
    closed = spillover(indptr, indices, weights, level, np.zeros(3))
    assert_array_equal(closed, np.zeros(3))  # closed artefacts spill nothing


def test_spillover_empty_and_mismatched_inputs():
    empty = spillover(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0),
                      np.zeros(0), np.zeros(0))
    assert empty.shape == (0,)
    no_edges = spillover(np.zeros(4, dtype=np.int64), np.zeros(0, dtype=np.int32),
                         np.zeros(0), np.array([1.0, 5.0, 3.0]), np.ones(3))
    assert_array_equal(no_edges, np.zeros(3))
    with pytest.raises(ValueError):
        spillover(np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0),
                  np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError):
        spillover(np.array([0, 1], dtype=np.int64), np.zeros(1, dtype=np.int32),
                  np.zeros(2), np.zeros(1), np.zeros(1))


# ======================================================================================
# Thread-count invariance
# ======================================================================================

_THREAD_SCRIPT = """
import hashlib, sys
import numba
import numpy as np
sys.path.insert(0, sys.argv[1])
import sim.kernels
from test_kernels import make_market, random_graph
from sim.kernels import bass_meanfield_step, bass_network_step, market_step, spillover

h = hashlib.sha256()
rng = np.random.default_rng(2024)
n = 20_000
users, providers, ptr, idx = make_market(rng, n, 12, 3, 6)
for step in range(3):
    res = market_step(users, providers, n_general=3, niche_ptr=ptr, niche_idx=idx,
                      reconsider_prob=0.2, outside_utility=0.1, key=5, step=step)
    h.update(users["choice"].tobytes())
    h.update(res.counts.tobytes())
    h.update(np.array([res.consumer_surplus, res.access, res.meaningful]).tobytes())
indptr, indices = random_graph(rng, n, 5.0)
adopted = (rng.random(n) < 0.01).astype(np.uint8)
for step in range(3):
    h.update(np.int64(bass_network_step(adopted, indptr, indices, 0.02, 0.5, key=5,
                                        step=step, stream=1)).tobytes())
    h.update(np.int64(bass_meanfield_step(adopted, 0.01, 0.3, key=5, step=step,
                                          stream=2)).tobytes())
    h.update(adopted.tobytes())
level = rng.normal(20.0, 2.0, n)
h.update(spillover(indptr, indices, rng.random(indices.size), level, rng.random(n)).tobytes())
print(sim.kernels.__file__)
print(numba.get_num_threads(), h.hexdigest())
"""


@pytest.mark.skipif(JIT_DISABLED, reason="thread count is irrelevant without JIT")
def test_results_identical_for_any_thread_count(tmp_path):
    here = Path(__file__).resolve()
    src_root = Path(sim.kernels.__file__).resolve().parents[2]  # where `sim` was found
    digests = {}
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads,
                   PYTHONPATH=os.pathsep.join([str(src_root), str(here.parents[1]),
                                               os.environ.get("PYTHONPATH", "")]))
        proc = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT, str(here.parent)],
                              env=env, capture_output=True, text=True, timeout=600,
                              check=False, cwd=tmp_path)  # cwd: keep '' off the path
        assert proc.returncode == 0, proc.stderr
        kernels_file, used, digest = proc.stdout.split()[-3:]
        assert Path(kernels_file).resolve() == Path(sim.kernels.__file__).resolve()
        assert used == threads  # the subprocess really ran with that many threads
        digests[threads] = digest
    assert digests["1"] == digests["2"]
    assert len(digests["1"]) == len(hashlib.sha256().hexdigest())


# --- the kernels' exp ---------------------------------------------------------------------

@njit
def _exp_all(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = exp_nonpos(x[i])
    return out


def test_fast_exp_is_within_two_ulp_of_numpy_on_its_domain():
    x = np.concatenate([-np.linspace(0.0, 708.0, 200_001),
                        -np.random.default_rng(3).exponential(5.0, 100_000),
                        -np.logspace(-300, 0, 1001)])
    x = x[x >= -708.0]
    got, want = _exp_all(x), np.exp(x)
    ulp = np.spacing(want)
    assert np.max(np.abs(got - want) / ulp) <= 2.0


def test_fast_exp_edges():
    assert _exp_all(np.array([0.0, -0.0]))[0] == 1.0
    # below the smallest normal result it returns 0, which no log-sum containing 1 can see
    assert_array_equal(_exp_all(np.array([-708.5, -745.2, -1e6, -np.inf])), 0.0)
    assert np.all(np.diff(_exp_all(-np.linspace(0.0, 30.0, 10_001))) <= 0)  # monotone


def test_raise_capacity_gives_the_bits_of_the_numpy_formula():
    rng = np.random.default_rng(11)
    n = 10_000
    cap = rng.beta(2.0, 3.0, n)
    niche = rng.integers(0, 7, n).astype(np.int32)
    jur = rng.integers(0, 3, n).astype(np.int32)
    per_niche, per_jur = rng.random(7) * 0.6, np.array([0.0, 0.3, 0.9])
    want = cap + np.minimum(per_niche[niche] + per_jur[jur], 1.0) * (1.0 - cap)
    sim.kernels.raise_capacity(cap, niche, jur, per_niche, per_jur)
    assert_array_equal(cap, want)
    assert np.all((cap >= 0.0) & (cap <= 1.0))
    with pytest.raises(ValueError, match="outside the rate arrays"):
        sim.kernels.raise_capacity(cap, niche, jur, per_niche[:3], per_jur)


def _numpy_gini(values):
    """The sort-everything Gini the kernel replaced."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.shape[0]
    if n < 2 or x.sum() <= 0:
        return 0.0
    return float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * x.sum()) - (n + 1.0) / n)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400), zeros=st.floats(0.0, 1.0),
       ties=st.booleans())
@FAST
def test_gini_matches_the_sorted_formula(seed, n, zeros, ties):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n).astype(float) if ties else rng.lognormal(0.0, 1.5, n)
    x[rng.random(n) < zeros] = 0.0
    got = sim.kernels.gini(x)
    assert got == pytest.approx(naive.gini(x), abs=1e-12)
    assert got == pytest.approx(_numpy_gini(x), abs=1e-12)
    assert 0.0 <= got <= 1.0 - 1.0 / max(n, 1) + 1e-12  # the population Gini's bound


def test_gini_textbook_cases_and_refusal():
    assert sim.kernels.gini(np.array([])) == 0.0 and sim.kernels.gini(np.array([5.0])) == 0.0
    assert sim.kernels.gini(np.zeros(4)) == 0.0 and sim.kernels.gini(np.full(4, 2.0)) == 0.0
    assert sim.kernels.gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="non-negative"):
        sim.kernels.gini(np.array([1.0, -1.0]))


@pytest.mark.parametrize("seed", range(4))
def test_benefit_sums_match_the_masked_numpy_means(seed):
    rng = np.random.default_rng(seed)
    n, k, j = 5_000, 9, 3
    choice = rng.integers(-1, k, n).astype(np.int32)
    capacity = rng.beta(2.0, 3.0, n)
    capacity[rng.random(n) < 0.1] = 1.0  # ties at full capacity
    surplus = np.where(choice >= 0, rng.gamma(2.0, 1.0, n), 0.0)
    jurisdiction = rng.integers(0, j - (seed == 3), n).astype(np.int32)  # seed 3: one empty
    depth = rng.random(k)
    low, high = np.quantile(capacity, [0.2, 0.8])
    got = sim.kernels.benefit_sums(choice, capacity, surplus, jurisdiction, depth, low, high, j)
    holds = choice >= 0
    want = np.zeros(n)
    want[holds] = capacity[holds] * depth[choice[holds]]
    for a, b in zip(got, naive.benefit_sums(choice, capacity, surplus, jurisdiction, depth,
                                            low, high, j), strict=True):
        assert_array_equal(a, b)  # the same sums in the same order: bit for bit
    assert_array_equal(got.meaningful, want)
    for group, mask in ((got.bottom, capacity <= low), (got.top, capacity >= high)):
        assert group[0] == mask.sum()
        assert group[1] / group[0] == pytest.approx(want[mask].mean(), rel=1e-12)
        assert group[2] / group[0] == pytest.approx(surplus[mask].mean(), rel=1e-12)
    assert_array_equal(got.jurisdiction_users, np.bincount(jurisdiction, minlength=j))
    np.testing.assert_allclose(got.jurisdiction_access,
                               np.bincount(jurisdiction, weights=want, minlength=j), rtol=1e-12)
    with pytest.raises(ValueError, match="outside its array"):
        sim.kernels.benefit_sums(choice, capacity, surplus, jurisdiction, depth[:3], low, high, j)


def test_grown_stock_caps_without_overflow_and_keeps_ordinary_values_exact():
    from sim.rules.investment import grown_stock

    base = np.array([3.0, 0.0, 1e250, 1e-300, 2.5, 1e10])
    alg = np.array([0.25, 5.0, 200.0, 400.0, 0.0, 1e6])
    cap = np.full(6, 276.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = grown_stock(base, alg, cap)
    assert got[0] == 3.0 * 10.0 ** 0.25 and got[4] == 2.5  # bit for bit as written
    assert got[1] == 0.0
    assert got[2] == 10.0 ** 276.0 and got[5] == 10.0 ** 276.0  # capped
    assert got[3] == pytest.approx(1e100, rel=1e-12)  # 1e-300 * 1e400 in logs


# -- imitation -------------------------------------------------------------------------
@pytest.mark.parametrize("case", range(8))
def test_imitation_kernel_matches_the_reference(case):
    import naive

    from sim.kernels import imitate
    from sim.params import RaceParams
    from sim.rules.safety import han_matrix

    rng = np.random.default_rng(case)
    n = int(rng.integers(2, 12))
    safe = (rng.random(n) < 0.5).astype(np.uint8)
    use_matrix = case % 2 == 0
    matrix = han_matrix(RaceParams(speed_factor=1.0 + 3 * rng.random(),
                                   disaster_risk=rng.random())) if use_matrix else None
    profit = None if use_matrix else rng.normal(0, 2, n)
    beta, mutation = float(rng.choice([0.0, 0.05, 1.0, 50.0])), float(rng.choice([0.0, 0.1, 1.0]))
    expected = naive.imitate(safe, matrix, profit, beta, mutation, 300, 11, case, 507)
    got = safe.copy()
    imitate(got, matrix=matrix, profit=profit, beta=beta, mutation=mutation, events=300,
            key=11, step=case, stream=507)
    np.testing.assert_array_equal(got, expected)


def test_imitation_kernel_edge_cases():
    from sim.kernels import imitate

    one = np.array([1], dtype=np.uint8)
    imitate(one, matrix=None, profit=np.zeros(1), beta=1.0, mutation=1.0, events=100,
            key=1, step=1, stream=1)
    assert one.tolist() == [1]  # a lone lab has nobody to imitate
    same = np.ones(5, dtype=np.uint8)
    imitate(same, matrix=None, profit=np.arange(5.0), beta=100.0, mutation=0.0, events=500,
            key=1, step=1, stream=1)
    assert same.tolist() == [1] * 5  # without mutation a uniform population stays
    with pytest.raises(TypeError):
        imitate(same.astype(bool), matrix=None, profit=np.zeros(5), beta=1.0, mutation=0.0,
                events=1, key=1, step=1, stream=1)
