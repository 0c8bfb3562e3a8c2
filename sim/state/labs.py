"""The frontier labs' state: one row per lab in plain arrays.

Capability is log10 of effective training compute (FLOP-equivalent); compute stocks are in
units of 10^24 FLOP (:data:`COMPUTE_UNIT`). Money is in mu. The rules that change these
arrays are in :mod:`sim.rules`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.params import Params
from sim.streams import Draws, Stream
from sim.vocabulary import Level

COMPUTE_UNIT = 24.0  # compute stocks are in units of 10^24 FLOP


class LabStore:
    """Arrays of the frontier labs, one row per lab.

    Parameters
    ----------
    params : Params
        The scenario (sizes, initial frontier, spread, cash, prices, safe share).
    draws : Draws
        The construction draws: each lab's jurisdiction, and which labs start safe.
    levels : numpy.ndarray
        Release level of each lab at t = 0 (from the openness regime).
    """

    def __init__(self, params: Params, draws: Draws, levels: NDArray[np.int64]) -> None:
        lab, race = params.labs, params.race
        n = params.population.n_labs
        self.n = n
        offsets = np.linspace(0.0, lab.initial_spread, n) if n > 1 else np.zeros(n)
        self.capability = lab.initial_frontier - offsets
        self.version_capability = self.capability.copy()
        self.compute = 10.0 ** (self.capability - COMPUTE_UNIT)
        # budgets scale with compute: a lab's cash at t=0 is its share of the compute
        self.cash = lab.initial_cash * n * self.compute / max(self.compute.sum(), 1e-300)
        self.price = np.full(n, params.market.marginal_cost + 1.0 / params.market.alpha_mean)
        self.jurisdiction = draws.choice(Stream.LAB_JURISDICTION, n,
                                         params.jurisdictions.market_share)
        self.release_level = levels.astype(np.int64)
        k = round(race.initial_safe_share * n)  # exact count: verification needs 1/Z
        self.safe = draws.lowest(Stream.LAB_SAFE, n, k)
        self.transparency = np.full(n, lab.transparency_base)
        self.revenue: NDArray[np.floating] = np.zeros(n)
        self.profit = np.zeros(n)
        # profit less this quarter's disaster losses and fines: what imitation compares
        self.payoff = np.zeros(n)
        self.losses = np.zeros(n)  # disaster losses and fines this quarter
        # the highest level released for the current model version (weights stay out)
        self.released_level = self.release_level.copy()
        # the best capability ever released as weights (-inf: none)
        self.open_capability = np.where(self.release_level >= Level.WEIGHTS, self.capability,
                                        -np.inf)
        self.users = np.zeros(n, dtype=np.int64)
        self.share = np.zeros(n)
        self.contributions = np.zeros(n)
        self.clean_quarters = np.zeros(n, dtype=np.int64)
        self.clean_audits = np.zeros(n, dtype=np.int64)
        self.latent_vulns = np.zeros(n, dtype=np.int64)
        self.known_vulns = np.zeros(n, dtype=np.int64)  # known and unpatched
        self.exploited_known = np.zeros(n, dtype=np.int64)  # of those, exploited already
        self.incidents = np.zeros(n, dtype=np.int64)
        self.harm_traced = np.zeros(n)  # harm attributed to the lab this quarter (liability)
        self.harm_caused = np.zeros(n)  # harm done with the lab's model this quarter
        # what labs have learned of the harm one lab's model does per quarter, by level
        self.harm_by_level = np.zeros(len(Level))
        self.harm_seen_by_level = np.zeros(len(Level), dtype=bool)
