"""The malicious actors' state and their contact network."""

from __future__ import annotations

import numpy as np

from sim.networks import random_graph
from sim.params import Params
from sim.vocabulary import draw_jurisdictions


class MaliciousStore:
    """Arrays of the malicious actors and their contact network (CSR)."""

    def __init__(self, params: Params, rng: np.random.Generator) -> None:
        n = params.population.n_malicious
        self.n = n
        self.jurisdiction = draw_jurisdictions(params.jurisdictions.market_share, rng, n)
        self.knows_technique = np.zeros(n, dtype=np.uint8)
        self.target = np.full(n, -1, dtype=np.int64)
        self.inactive_until = np.zeros(n, dtype=np.int64)
        self.indptr, self.indices = random_graph(n, params.diffusion.malicious_degree, rng)
