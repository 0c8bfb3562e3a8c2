"""Governments: one per jurisdiction, holding stringency, enforcement and an adaptive rule.

Each government ``g`` has its own stringency ``sigma_g`` (start: ``jurisdictions.stringency``,
kept in [0, 3]). The stringency that binds is harmonised by cooperation ``k``:

    sigma_eff_g = (1 - k) * sigma_g + k * mean(sigma)

so at ``k = 1`` every jurisdiction applies the same rules and arbitrage has nothing to gain.
With ``regulation.adaptive`` a government compares the harm intensity (harm /
``market.market_size``) it observed
``adaptive_lag`` quarters ago with ``harm_target``: above it, it tightens by
``adaptive_step``; below half of it, it loosens by half a step. Civil society's advocacy
adds pressure toward tightening when harm is high (see :mod:`sim.agents.civil_society`).
Capacity programmes fund ``capacity_programmes * min(sigma_eff, 1)`` of capacity for the
users of the jurisdiction each quarter.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import ArrayAgent, Column

if TYPE_CHECKING:
    from sim.model import EcosystemModel
    from sim.params import Params

MAX_STRINGENCY = 3.0


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


class Government(ArrayAgent):
    """A government (a view on one row of :class:`GovernmentStore`)."""

    store_name = "governments"
    stringency = Column("own stringency multiplier")
    effective = Column("stringency after harmonisation")


def review(model: EcosystemModel) -> None:
    """Adaptive rule with a lag, then harmonisation."""
    gov, reg = model.governments, model.params.regulation
    if model.steps > 1:  # nothing has been observed before the first quarter
        gov.harm_seen.append(model.last_harm_per_user)
    if reg.adaptive and len(gov.harm_seen) == gov.harm_seen.maxlen:
        seen = gov.harm_seen[0]
        if seen > reg.harm_target:
            gov.stringency += reg.adaptive_step
        elif seen < 0.5 * reg.harm_target:
            gov.stringency -= 0.5 * reg.adaptive_step
    np.clip(gov.stringency, 0.0, MAX_STRINGENCY, out=gov.stringency)
    gov.harmonise(model.params.jurisdictions.cooperation)


def draw_jurisdictions(params: Params, rng: np.random.Generator, n: int) -> np.ndarray:
    """Jurisdictions of ``n`` new entities, drawn in proportion to market shares."""
    shares = np.asarray(params.jurisdictions.market_share, dtype=float)
    return rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int64)


def detection_probability(model: EcosystemModel, jurisdiction: np.ndarray) -> np.ndarray:
    """Chance that the state detects one misuse attempt made from ``jurisdiction``."""
    gov = model.governments
    return 1.0 - np.exp(-gov.enforcement[jurisdiction] * gov.effective[jurisdiction])
