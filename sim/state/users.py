"""The end-user population: one row per user in plain arrays.

Users belong to a niche and a jurisdiction, have adopted AI or not (Bass diffusion), hold
one provider or none (``choice == -1``), and differ in price sensitivity ``alpha``
(lognormal), taste for quality ``beta_q`` and for openness ``beta_o`` (normal, quality taste
truncated at 0), switching cost (exponential) and capacity (compute and skills, beta
distributed in [0, 1], raised by capacity programmes).

Invariants: the number of users never changes; ``capacity`` stays in [0, 1]; ``choice`` is
-1 for every non-adopter.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim import kernels
from sim.networks import complete_graph, random_graph
from sim.params import Params
from sim.streams import Stream, population_rng


def initial_capacity(mean: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64]:
    """Capacities drawn from Beta(4 k, 4 (1 - k)) with each user's mean ``k`` (0 or 1: fixed)."""
    k = np.clip(mean, 0.0, 1.0)
    inner = (k > 0.0) & (k < 1.0)
    a, b = np.where(inner, 4.0 * k, 1.0), np.where(inner, 4.0 * (1.0 - k), 1.0)
    return np.where(inner, rng.beta(a, b), k)


class UserPopulation:
    """Arrays of the end-user population and its contact network."""

    def __init__(self, params: Params, key: int) -> None:
        pop, mkt, dif = params.population, params.market, params.diffusion
        n = pop.n_users
        self.n = n

        def rng(stream: Stream) -> np.random.Generator:
            return population_rng(key, stream)  # one stream per attribute, in user order

        self.niche = rng(Stream.USER_NICHE).integers(0, pop.n_niches, size=n).astype(np.int32)
        shares = np.asarray(params.jurisdictions.market_share, dtype=float)
        self.jurisdiction = rng(Stream.USER_JURISDICTION).choice(
            len(shares), size=n, p=shares / shares.sum()).astype(np.int32)
        self.adopted = (rng(Stream.USER_ADOPTED).random(n) < mkt.initial_adoption).astype(np.uint8)
        self.alpha = mkt.alpha_mean * np.exp(
            mkt.alpha_sd * rng(Stream.USER_ALPHA).standard_normal(n) - 0.5 * mkt.alpha_sd**2)
        taste = (mkt.beta_quality
                 + mkt.beta_quality_sd * rng(Stream.USER_BETA_QUALITY).standard_normal(n))
        self.beta_q = np.maximum(0.0, taste)
        self.beta_o = (mkt.openness_pref_mean
                       + mkt.openness_pref_sd * rng(Stream.USER_BETA_OPENNESS).standard_normal(n))
        self.switch_cost = (rng(Stream.USER_SWITCH_COST).exponential(1.0, size=n)
                            * mkt.switch_cost_mean)
        self.capacity = initial_capacity(
            mkt.capacity_mean * np.broadcast_to(params.jurisdictions.capacity,
                                                (params.jurisdictions.n,))[self.jurisdiction],
            rng(Stream.USER_CAPACITY))
        self.capacity_openness = mkt.capacity_openness
        self.choice = np.full(n, -1, dtype=np.int32)
        self.surplus = np.zeros(n)  # consumer surplus of the last market, price units
        self.indptr: NDArray[np.int64] | None = None
        self.indices: NDArray[np.int32] | None = None
        if dif.variant == "network":
            if dif.topology == "complete":
                self.indptr, self.indices = complete_graph(n)
            else:
                self.indptr, self.indices = random_graph(n, dif.user_degree,
                                                         rng(Stream.USER_NETWORK))

    def kernel_arrays(self) -> dict[str, NDArray]:
        """The per-user arrays the market kernel reads and writes.

        What openness is worth to a user scales with her capacity: her taste for it is
        ``beta_o (1 - w + w capacity)`` with ``w = market.capacity_openness`` (running,
        adapting or inspecting a model takes compute and skills).
        """
        w = self.capacity_openness
        return {"niche": self.niche, "adopted": self.adopted, "alpha": self.alpha,
                "beta_q": self.beta_q, "beta_o": self.beta_o * (1.0 - w + w * self.capacity),
                "switch_cost": self.switch_cost, "capacity": self.capacity,
                "choice": self.choice, "surplus": self.surplus}

    def capacity_by_jurisdiction(self, n_jurisdictions: int) -> NDArray[np.float64]:
        """Mean user capacity in each jurisdiction (0 where a jurisdiction has no users)."""
        count = np.bincount(self.jurisdiction, minlength=n_jurisdictions)
        total = np.bincount(self.jurisdiction, weights=self.capacity, minlength=n_jurisdictions)
        return np.divide(total, count, out=np.zeros(n_jurisdictions), where=count > 0)

    def raise_capacity(self, per_niche: NDArray[np.float64],
                       per_jurisdiction: NDArray[np.float64]) -> None:
        """Capacity programmes: close a share of each user's gap to full capacity."""
        if np.any(per_niche > 0) or np.any(per_jurisdiction > 0):
            kernels.raise_capacity(self.capacity, self.niche, self.jurisdiction,
                                   per_niche, per_jurisdiction)
