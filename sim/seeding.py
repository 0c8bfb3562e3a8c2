"""Seeding: every run draws from one :class:`numpy.random.SeedSequence`.

Entry points accept a seed, a ``SeedSequence`` or a ``Generator`` (Scientific Python
SPEC 7). Replicates of a sweep get ``SeedSequence(entropy, spawn_key=(i,))``, independent
streams that a manifest can name exactly; nothing seeds a global generator.
"""

from __future__ import annotations

import numpy as np

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


def seed_sequence(rng: SeedLike) -> np.random.SeedSequence:
    """The :class:`~numpy.random.SeedSequence` behind ``rng``.

    A ``Generator`` contributes a fresh sequence drawn from it (its own sequence, if any,
    is not reused, so the caller's generator and the model's never share a stream).
    """
    if isinstance(rng, np.random.SeedSequence):
        # a fresh copy: spawning children mutates a sequence, and a caller may reuse it
        return np.random.SeedSequence(rng.entropy, spawn_key=rng.spawn_key,
                                      pool_size=rng.pool_size)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(rng.integers(0, 2**63, size=4).tolist())
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ValueError(f"rng must be a non-negative int, SeedSequence or Generator, got {rng!r}")
    return np.random.SeedSequence(int(rng))


def replicate(entropy: int, index: int) -> np.random.SeedSequence:
    """The seed sequence of replicate ``index`` of a sweep with base ``entropy``."""
    return np.random.SeedSequence(entropy, spawn_key=(index,))
