"""The civil-society organisations' state, and the public trust they shape.

Kinds: auditors and researchers audit models; watchdogs score transparency and lobby.
``trust``, ``transparency_score`` and ``audit_coverage`` are society-wide quantities the
organisations produce (ODD 7.13).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.params import Params
from sim.streams import Draws, Stream


class Kind(IntEnum):
    """What a civil-society organisation does."""

    AUDITOR = 0
    WATCHDOG = 1
    RESEARCHER = 2


class CivilSocietyStore:
    """Arrays of the civil-society organisations."""

    def __init__(self, params: Params, draws: Draws) -> None:
        cs = params.civil_society
        n = params.population.n_civil_society
        self.n = n
        shares = (cs.auditor_share, cs.watchdog_share, 1.0 - cs.auditor_share - cs.watchdog_share)
        self.kind = draws.choice(Stream.CIVIL_SOCIETY_KIND, n, shares)
        self.niche = draws.integers(Stream.CIVIL_SOCIETY_NICHE, n, params.population.n_niches)
        self.target = np.full(n, -1, dtype=np.int64)
        self.trust = cs.initial_trust
        self.transparency_score = 0.0
        self.audit_coverage = 0.0
