"""Numba kernels for the array populations (users, organisation and actor networks).

Every kernel here takes arrays and scalars, holds no Python objects and draws no randomness
of its own: uniforms come from :mod:`sim.kernels.rng`, a counter-based generator keyed by
``(key, step, stream, index)``, so a kernel's output does not depend on the number of
threads. Each public wrapper validates its inputs, allocates outputs and calls a private
``@njit`` kernel; ``tests/naive.py`` holds a plain-Python reference for each.
"""

from sim.kernels.capacity import raise_capacity
from sim.kernels.diffusion import (
    bass_meanfield_step,
    bass_network_step,
    bass_step_probability,
    spillover,
)
from sim.kernels.imitation import imitate
from sim.kernels.inequality import BenefitSums, benefit_sums, gini
from sim.kernels.market import MarketResult, market_step
from sim.kernels.rng import uniforms, uniforms_at

__all__ = [
    "BenefitSums",
    "MarketResult",
    "bass_meanfield_step",
    "bass_network_step",
    "bass_step_probability",
    "benefit_sums",
    "gini",
    "imitate",
    "market_step",
    "raise_capacity",
    "spillover",
    "uniforms",
    "uniforms_at",
]
