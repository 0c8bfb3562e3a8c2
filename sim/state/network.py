"""The organisation network: who learns from whom (labs first, then startups).

Node ``i < L`` is lab ``i``; node ``L + r`` is the startup in row ``r``. Labs are linked to
each other at the start; an entering startup links to its base lab and to
``diffusion.org_degree`` random organisations. Every link is stored in both directions.
Links of organisations that left stay in the list; the spill-over rule drops them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.streams import Draws, Stream


class OrgNetwork:
    """Directed edge lists of the organisation network (both directions of each link)."""

    def __init__(self, n_labs: int) -> None:
        self.n_labs = n_labs
        self.src = np.zeros(0, dtype=np.int64)
        self.dst = np.zeros(0, dtype=np.int64)
        if n_labs > 1:
            a, b = np.triu_indices(n_labs, k=1)
            self.add(a, b)

    def add(self, a: NDArray, b: NDArray) -> None:
        """Link ``a[k]`` and ``b[k]`` for every ``k``, in both directions."""
        self.src = np.concatenate([self.src, a, b]).astype(np.int64)
        self.dst = np.concatenate([self.dst, b, a]).astype(np.int64)

    def link_entrants(self, rows: NDArray[np.int64], base: NDArray[np.int64], degree: int,
                      n_startup_rows: int, draws: Draws) -> None:
        """Link new startups (rows) to their base labs and to ``degree`` random organisations.

        ``n_startup_rows`` is the number of startup rows after the entrants were added; the
        random partners are drawn among all labs and those rows, keyed by the entrant's
        place among the quarter's entrants and the link's slot.
        """
        nodes = self.n_labs + rows
        src, dst = [nodes], [base]
        if degree > 0:
            pool = self.n_labs + n_startup_rows
            src.append(np.repeat(nodes, degree))
            slots = np.arange(rows.size * degree, dtype=np.int64)
            dst.append(draws.integers(Stream.ENTRANT_LINKS, slots, pool))
        s, d = np.concatenate(src), np.concatenate(dst)
        keep = s != d
        self.add(s[keep], d[keep])
