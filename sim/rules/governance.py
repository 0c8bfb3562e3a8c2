"""Governments: the adaptive rule, harmonisation, and civil society's advocacy (ODD 7.7, 7.13).

Each government ``g`` has its own stringency ``sigma_g``, kept in [0, 3]. The stringency
that binds is harmonised by cooperation ``k``:

    sigma_eff_g = (1 - k) * sigma_g + k * mean(sigma)

so at ``k = 1`` every jurisdiction applies the same rules and arbitrage has nothing to gain.
With ``regulation.adaptive`` a government compares the harm intensity (harm /
``market.market_size``) it observed ``adaptive_lag`` quarters ago with ``harm_target``: above
it, it tightens by ``adaptive_step``; below half of it, it loosens by half a step.
Watchdogs lobby for tighter rules when harm exceeds the target, but only where governments
are adaptive (fixed laws do not move).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import MAX_STRINGENCY, CivilSocietyParams, RegulationParams
from sim.state import GovernmentStore


def review(gov: GovernmentStore, reg: RegulationParams, cooperation: float,
           observed: float | None) -> None:
    """Record last quarter's harm intensity (``None`` before the first), adapt, harmonise."""
    if observed is not None:
        gov.harm_seen.append(observed)
    if reg.adaptive and len(gov.harm_seen) == gov.harm_seen.maxlen:
        seen = gov.harm_seen[0]
        if seen > reg.harm_target:
            gov.stringency += reg.adaptive_step
        elif seen < 0.5 * reg.harm_target:
            gov.stringency -= 0.5 * reg.adaptive_step
    np.clip(gov.stringency, 0.0, MAX_STRINGENCY, out=gov.stringency)
    gov.harmonise(cooperation)


def advocate(gov: GovernmentStore, watchdog_share: float, cs: CivilSocietyParams,
             reg: RegulationParams, harm_per_user: float) -> None:
    """Watchdogs push stringency up when harm exceeds the regulator's target.

    The push is ``advocacy * min(h / harm_target - 1, 10)`` times the watchdogs' share of
    organisations, in every jurisdiction, when governments are adaptive and harm is above
    the target.
    """
    if reg.harm_target <= 0 or not reg.adaptive:
        return
    excess = harm_per_user / reg.harm_target - 1.0
    if excess <= 0:
        return
    gov.stringency += cs.advocacy * watchdog_share * min(excess, 10.0)
    np.clip(gov.stringency, 0.0, MAX_STRINGENCY, out=gov.stringency)


def public_capacity(effective: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    """Capacity governments fund per jurisdiction this quarter: ``rate * min(sigma, 1)``."""
    return rate * np.minimum(effective, 1.0)
