"""Governments: the adaptive rule, harmonisation, and civil society's advocacy (ODD 7.7, 7.13).

Each government ``g`` has its own stringency ``sigma_g``, kept in [0, 3]. The stringency
that binds is harmonised by cooperation ``k``:

    sigma_eff_g = (1 - k) * sigma_g + k * mean(sigma)

so at ``k = 1`` every jurisdiction applies the same rules and arbitrage has nothing to gain.

The adaptive rule (``regulation.adaptive``) has a documented target: keep the harm
intensity ``h`` (harm / ``market.market_size``) a government observed ``adaptive_lag``
quarters ago within ``harm_target x (1 +- adaptive_tolerance)``. Above the band it tightens
by ``adaptive_step x min(ln(h / target), 1)``, below it loosens by ``adaptive_step x
min(ln(target / h), 1)``; inside it does nothing. It corrects the statute rather than
rewriting it: stringency stays within ``statute x (1 +- adaptive_range)``, so a regime whose
harm no stringency can move (a mandate overriding every gate, or harm far below target)
settles at an edge of that range instead of the absolute bounds 0 and 3. Watchdogs lobby
for tighter rules when harm exceeds the target, only where governments are adaptive, within
the same range.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sim.params import MAX_STRINGENCY, CivilSocietyParams, RegulationParams
from sim.state import GovernmentStore


def adaptive_change(seen: float, reg: RegulationParams) -> float:
    """The adaptive rule's change of stringency for an observed harm intensity ``seen``."""
    if reg.harm_target <= 0:
        return 0.0
    ratio = seen / reg.harm_target
    if ratio > 1.0 + reg.adaptive_tolerance:
        return reg.adaptive_step * min(math.log(ratio), 1.0)
    if ratio < 1.0 - reg.adaptive_tolerance:
        return -reg.adaptive_step * (min(-math.log(ratio), 1.0) if ratio > 0 else 1.0)
    return 0.0


def review(gov: GovernmentStore, reg: RegulationParams, cooperation: float,
           observed: float | None) -> None:
    """Record last quarter's harm intensity (``None`` before the first), adapt, harmonise."""
    if observed is not None:
        gov.harm_seen.append(observed)
    if reg.adaptive and len(gov.harm_seen) == gov.harm_seen.maxlen:
        gov.stringency += adaptive_change(gov.harm_seen[0], reg)
        np.clip(gov.stringency, *gov.adaptive_bounds(reg.adaptive_range), out=gov.stringency)
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
    np.clip(gov.stringency, *gov.adaptive_bounds(reg.adaptive_range), out=gov.stringency)


def public_capacity(effective: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    """Capacity governments fund per jurisdiction this quarter: ``rate * min(sigma, 1)``."""
    return rate * np.minimum(effective, 1.0)
