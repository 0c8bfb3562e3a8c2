"""Deliberately broken variants of the verified mechanisms, for the mutation checks.

A verification test has power only if it fails when the mechanism it verifies is wrong.
Each mutant here swaps one function of the real model for a broken copy while a ``with``
block runs (``with mutant("name"): ...``), so the same check function runs the real model
and the broken one; the tests assert that the check passes on the first and fails on the
second. Each mutant changes one thing a plausible slip would change, named in its entry of
:data:`MUTANTS`.

The active mutant's name is in :data:`ACTIVE` while it runs, so caches of model runs can
keep the real and the broken results apart.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

import sim.kernels
import sim.metrics
from sim.kernels import diffusion as diffusion_kernels
from sim.kernels.rng import stream_base, uniform_at
from sim.rules import adoption, safety, vulnerabilities

ACTIVE: list[str] = []  # the mutant running now, if any


# --- Imitation (Fermi): one kernel with switchable flaws ---------------------------------

@njit(cache=True)
def _payoff(safe, k, i, m):  # pragma: no cover - compiled
    n = safe.shape[0]
    if safe[i]:
        return (m[0, 0] * (k - 1) + m[0, 1] * (n - k)) / (n - 1)
    return (m[1, 0] * k + m[1, 1] * (n - k - 1)) / (n - 1)


@njit(cache=True)
def _flawed_imitate(safe, m, beta, mutation, events, base, explore_safe, bias):  # pragma: no cover
    """The model's imitation kernel (``sim.kernels.imitation._imitate``, matrix payoffs)
    with two knobs that the real rule fixes: an exploring lab picks SAFE with probability
    ``explore_safe`` (0.5 in the model), and copying a SAFE model succeeds with ``bias``
    more probability, copying an UNSAFE one with ``bias`` less (0 in the model)."""
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
            new = 1 if u < explore_safe else 0
        else:
            diff = beta * (_payoff(safe, k, b, m) - _payoff(safe, k, a, m))
            diff = min(700.0, max(-700.0, diff))
            accept = 1.0 / (1.0 + math.exp(-diff))
            if safe[b] != safe[a]:
                accept += bias if safe[b] else -bias
            if u >= accept:
                continue
            new = safe[b]
        k += new - safe[a]
        safe[a] = new


def _imitation(explore_safe: float = 0.5, bias: float = 0.0) -> Callable[..., None]:
    def imitate(safe, *, matrix, profit, beta, mutation, events, key, step, stream) -> None:
        assert matrix is not None, "the imitation mutants run the han payoff only"
        if safe.shape[0] < 2 or events <= 0:
            return
        base = np.uint64(stream_base(np.uint64(key), np.uint64(step), np.uint64(stream)))
        _flawed_imitate(safe, np.ascontiguousarray(matrix, dtype=np.float64), float(beta),
                        float(mutation), int(events), base, explore_safe, bias)
    return imitate


# --- Payoffs of the race ------------------------------------------------------------------

_real_han_matrix = safety.han_matrix


def _unsafe_pair_ignores_risk(race: Any) -> np.ndarray:
    """UNSAFE vs UNSAFE without its factor (1 - p_r): two unsafe labs never crash."""
    m = _real_han_matrix(race).copy()
    m[1, 1] = race.speed_factor * race.prize / (2 * race.rounds) + race.benefit / 2
    return m


def _unsafe_ignores_risk(race: Any) -> np.ndarray:
    """The UNSAFE row without the factor (1 - p_r): disasters cost unsafe labs nothing."""
    m = _real_han_matrix(race).copy()
    m[1] = m[1] / (1.0 - race.disaster_risk)
    return m


def _collective_risk(race: Any) -> np.ndarray:
    """The collective-risk variant: a safe lab facing an unsafe one shares its disasters."""
    a = _real_han_matrix(race).copy()
    a[0, 1] *= 1.0 - race.disaster_risk
    return a


# --- Bass diffusion -----------------------------------------------------------------------

def _euler_bass_probability(share: float, p: float, q: float, dt: float = 1.0) -> float:
    """The quarter's hazard frozen at its start, ``1 - exp(-(p + q F) dt)``, instead of
    the exact flow of ``dF/dt = (p + q F)(1 - F)`` over the quarter."""
    return 1.0 - math.exp(-(p + q * share) * dt) if share < 1.0 else 0.0


_real_network_step = adoption.bass_network_step


def _network_q_off(adopted, indptr, indices, p, q, **kwargs):  # as adopt() calls it
    """The network variant with the imitation rate ``q`` 10% low."""
    return _real_network_step(adopted, indptr, indices, p, 0.9 * q, **kwargs)


# --- Vulnerability race -------------------------------------------------------------------

_real_race = vulnerabilities.vulnerability_race
#: the discovery rate of both sides in ``verify_anderson`` (factor 1)
ANDERSON_RATE = 0.005


def _race_with(**change: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
    def race(labs, **kwargs):
        for key, f in change.items():
            kwargs[key] = f(kwargs)
        return _real_race(labs, **kwargs)
    return race


# --- Concentration ------------------------------------------------------------------------

_real_hhi = sim.metrics.hhi
_real_top = sim.metrics.top_k_share
_real_gini = sim.metrics.gini


def _hhi_forgets_a_firm(shares: np.ndarray) -> float:
    """HHI over all firms but the last one."""
    return _real_hhi(np.asarray(shares)[:-1])


def _top_three(values: np.ndarray, k: int = 4) -> float:
    """The top-4 share that sums the three largest."""
    return _real_top(values, k - 1)


def _gini_sample(values: np.ndarray) -> float:
    """Gini with the small-sample factor n / (n - 1), which the population Gini lacks."""
    n = np.asarray(values).shape[0]
    g = _real_gini(values)
    return g * n / (n - 1) if n > 1 else g


# --- The registry ------------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    """A broken variant: what it breaks, and the attributes it replaces."""

    breaks: str
    patches: tuple[tuple[Any, str, Any], ...]


MUTANTS: dict[str, Mutant] = {
    "imitation_explores_safe": Mutant(
        "an exploring lab picks SAFE with probability 0.6, not 1/2",
        ((sim.kernels, "imitate", _imitation(explore_safe=0.6)),)),
    "imitation_biased": Mutant(
        "copying a SAFE lab succeeds 5 points more often than the Fermi rule says, "
        "copying an UNSAFE one 5 points less",
        ((sim.kernels, "imitate", _imitation(bias=0.05)),)),
    "payoff_unsafe_ignores_risk": Mutant(
        "the UNSAFE row of the payoff matrix lacks its factor (1 - p_r)",
        ((safety, "han_matrix", _unsafe_ignores_risk),)),
    "payoff_unsafe_pair_ignores_risk": Mutant(
        "UNSAFE vs UNSAFE lacks its factor (1 - p_r)",
        ((safety, "han_matrix", _unsafe_pair_ignores_risk),)),
    "payoff_collective_risk": Mutant(
        "SAFE vs UNSAFE carries a factor (1 - p_r): the collective-risk variant",
        ((safety, "han_matrix", _collective_risk),)),
    "bass_euler": Mutant(
        "the mean-field step uses the hazard at the start of the quarter",
        ((diffusion_kernels, "bass_step_probability", _euler_bass_probability),)),
    "bass_network_q_low": Mutant(
        "the network variant's imitation rate q is 10% low",
        ((adoption, "bass_network_step", _network_q_off),)),
    "discovery_asymmetric": Mutant(
        "the defenders' discovery rate scales as factor^1.1, the attackers' as factor",
        ((vulnerabilities, "vulnerability_race", _race_with(
            defender_rate=lambda kw: ANDERSON_RATE
            * (kw["defender_rate"] / ANDERSON_RATE) ** 1.1)),)),
    "attack_exposure_halved": Mutant(
        "attackers search with half their access",
        ((vulnerabilities, "vulnerability_race", _race_with(
            exposure=lambda kw: 0.5 * kw["exposure"])),)),
    "auditors_uncounted": Mutant(
        "the defenders' hazard ignores how many auditors there are (one if any)",
        ((vulnerabilities, "vulnerability_race", _race_with(
            auditors=lambda kw: np.minimum(kw["auditors"], 1))),)),
    "defender_rate_ignored": Mutant(
        "defenders search at the attackers' discovery rate",
        ((vulnerabilities, "vulnerability_race", _race_with(
            defender_rate=lambda kw: kw["attacker_rate"])),)),
    "no_nday": Mutant(
        "known, unpatched vulnerabilities are never exploited (n-day hazard 0)",
        ((vulnerabilities, "vulnerability_race", _race_with(nday_factor=lambda kw: 0.0)),)),
    "full_patch_reach": Mutant(
        "patches reach every copy of downloaded weights",
        ((vulnerabilities, "PATCH_REACH", np.ones_like(vulnerabilities.PATCH_REACH)),)),
    "hhi_forgets_a_firm": Mutant(
        "the HHI leaves out the last firm",
        ((sim.metrics, "hhi", _hhi_forgets_a_firm),)),
    "top_k_three": Mutant(
        "the top-4 share sums the three largest",
        ((sim.metrics, "top_k_share", _top_three),)),
    "gini_sample": Mutant(
        "the Gini coefficient carries the sample factor n/(n-1)",
        ((sim.metrics, "gini", _gini_sample),)),
}


@contextlib.contextmanager
def mutant(name: str) -> Iterator[Mutant]:
    """Run the model with the mutant ``name`` in place of the real mechanism."""
    spec = MUTANTS[name]
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in spec.patches]
    ACTIVE.append(name)
    try:
        for obj, attr, new in spec.patches:
            setattr(obj, attr, new)
        yield spec
    finally:
        for obj, attr, old in reversed(saved):
            setattr(obj, attr, old)
        ACTIVE.pop()


def active() -> str:
    """The running mutant's name, or ``""`` for the real model."""
    return ACTIVE[-1] if ACTIVE else ""
