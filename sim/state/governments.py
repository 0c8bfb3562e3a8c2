"""The governments' state: one row per jurisdiction.

Each government holds its own stringency ``sigma_g`` (kept in [0, ``MAX_STRINGENCY``]) and
an enforcement budget; the stringency that binds, ``effective``, is pulled toward the mean
by cooperation (:meth:`GovernmentStore.harmonise`). ``harm_seen`` holds the harm
intensities the adaptive rule reacts to, ``regulation.adaptive_lag`` quarters late.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.params import MAX_STRINGENCY, Params


class GovernmentStore:
    """Arrays of the governments, one row per jurisdiction."""

    def __init__(self, params: Params) -> None:
        jur = params.jurisdictions
        self.n = jur.n
        self.statute = np.asarray(jur.stringency, dtype=float).copy()  # the law as written
        self.stringency = self.statute.copy()
        self.effective = self.stringency.copy()
        self.enforcement = np.full(self.n, params.regulation.enforcement)
        self.harm_seen: deque[float] = deque(maxlen=params.regulation.adaptive_lag + 1)
        self.harmonise(jur.cooperation)

    def adaptive_bounds(self, adaptive_range: float) -> tuple[np.ndarray, np.ndarray]:
        """The stringency an adaptive government may reach: statute x (1 +- range)."""
        lo = np.maximum(0.0, self.statute * (1.0 - adaptive_range))
        hi = np.minimum(MAX_STRINGENCY, self.statute * (1.0 + adaptive_range))
        return lo, hi

    def harmonise(self, cooperation: float) -> None:
        """Effective stringency: own stringency pulled toward the mean by cooperation."""
        common = self.stringency.mean()
        self.effective = (1.0 - cooperation) * self.stringency + cooperation * common

    def detection(self, jurisdiction: np.ndarray) -> np.ndarray:
        """Chance that the state detects one misuse attempt made from ``jurisdiction``."""
        return 1.0 - np.exp(-self.enforcement[jurisdiction] * self.effective[jurisdiction])
