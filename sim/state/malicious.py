"""The malicious actors' state and their contact network."""

from __future__ import annotations

import numpy as np

from sim.networks import random_graph
from sim.params import Params
from sim.streams import Draws, Stream, population_rng


class MaliciousStore:
    """Arrays of the malicious actors and their contact network (CSR)."""

    def __init__(self, params: Params, draws: Draws) -> None:
        n = params.population.n_malicious
        self.n = n
        self.jurisdiction = draws.choice(Stream.ACTOR_JURISDICTION, n,
                                         params.jurisdictions.market_share)
        self.knows_technique = np.zeros(n, dtype=np.uint8)
        self.target = np.full(n, -1, dtype=np.int64)
        self.inactive_until = np.zeros(n, dtype=np.int64)
        self.indptr, self.indices = random_graph(
            n, params.diffusion.malicious_degree, population_rng(draws.key, Stream.ACTOR_NETWORK))
