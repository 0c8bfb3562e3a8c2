"""The civil-society organisations' state, and the public trust they shape.

Kinds: auditors and researchers audit models; watchdogs score transparency and lobby.
``trust``, ``transparency_score`` and ``audit_coverage`` are society-wide quantities the
organisations produce (ODD 7.13).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.params import Params


class Kind(IntEnum):
    """What a civil-society organisation does."""

    AUDITOR = 0
    WATCHDOG = 1
    RESEARCHER = 2


class CivilSocietyStore:
    """Arrays of the civil-society organisations."""

    def __init__(self, params: Params, rng: np.random.Generator) -> None:
        cs = params.civil_society
        n = params.population.n_civil_society
        self.n = n
        shares = (cs.auditor_share, cs.watchdog_share, 1.0 - cs.auditor_share - cs.watchdog_share)
        self.kind = rng.choice(3, size=n, p=shares).astype(np.int64)
        self.niche = rng.integers(0, params.population.n_niches, size=n).astype(np.int64)
        self.target = np.full(n, -1, dtype=np.int64)
        self.trust = cs.initial_trust
        self.transparency_score = 0.0
        self.audit_coverage = 0.0
