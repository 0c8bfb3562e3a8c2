"""The record of one quarter: what its phases pass to each other and to the outcomes.

The stores (:mod:`sim.state`) hold the ecosystem's state from quarter to quarter; a
:class:`Quarter` holds what exists only within one quarter (the scratch no rule writes on
the model): counts of events, harm in its parts, the market's result, who audited and who
attacked. A new one starts every quarter; the last one stays on the model as
``model.quarter`` for inspection.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.streams import Draws

if TYPE_CHECKING:
    from sim.kernels import MarketResult
    from sim.rules.misuse import MisuseOutcome
    from sim.rules.vulnerabilities import RaceOutcome


@dataclass
class Harm:
    """Harm done this quarter, in harm units, by its source."""

    misuse: float = 0.0
    exploits: float = 0.0
    disasters: float = 0.0

    @property
    def total(self) -> float:
        """Misuse, then exploited vulnerabilities, then disasters (summed in that order)."""
        return self.misuse + self.exploits + self.disasters


@dataclass
class Quarter:
    """What happened in quarter ``t`` (1 for the first quarter)."""

    t: int
    draws: Draws  # this quarter's random draws (common random numbers)
    incidents_before: NDArray[np.int64]
    counts: Counter[str] = field(default_factory=Counter)
    harm: Harm = field(default_factory=Harm)
    spillover: NDArray[np.float64] | None = None  # computed once, from the quarter's start
    contributor_revenue: float = 0.0
    contributor_fees: NDArray[np.float64] | None = None  # per lab, paid to its contributors
    market: MarketResult | None = None
    benefits: dict[str, float] = field(default_factory=dict)  # who benefits (market.py)
    auditors: NDArray[np.int64] | None = None  # auditors on each lab
    misuse: MisuseOutcome | None = None
    vulnerabilities: RaceOutcome | None = None
    harm_per_user: float = 0.0  # harm intensity H / market_size, once harm is known
