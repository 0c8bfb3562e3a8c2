"""The governments' state: one row per jurisdiction.

Each government holds its own stringency ``sigma_g`` (kept in [0, ``MAX_STRINGENCY``]) and
an enforcement budget; the stringency that binds, ``effective``, is pulled toward the mean
by cooperation (:meth:`GovernmentStore.harmonise`). ``harm_seen`` holds the harm
intensities the adaptive rule reacts to, ``regulation.adaptive_lag`` quarters late.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.params import Params


class GovernmentStore:
    """Arrays of the governments, one row per jurisdiction."""

    def __init__(self, params: Params) -> None:
        jur = params.jurisdictions
        self.n = jur.n
        self.stringency = np.asarray(jur.stringency, dtype=float).copy()
        self.effective = self.stringency.copy()
        self.enforcement = np.full(self.n, params.regulation.enforcement)
        self.harm_seen: deque[float] = deque(maxlen=params.regulation.adaptive_lag + 1)
        self.harmonise(jur.cooperation)

    def harmonise(self, cooperation: float) -> None:
        """Effective stringency: own stringency pulled toward the mean by cooperation."""
        common = self.stringency.mean()
        self.effective = (1.0 - cooperation) * self.stringency + cooperation * common

    def detection(self, jurisdiction: np.ndarray) -> np.ndarray:
        """Chance that the state detects one misuse attempt made from ``jurisdiction``."""
        return 1.0 - np.exp(-self.enforcement[jurisdiction] * self.effective[jurisdiction])
