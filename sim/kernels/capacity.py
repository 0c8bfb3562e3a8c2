"""Capacity programmes over the user population, in one pass.

Each user closes a share ``min(rate, 1)`` of her gap to full capacity, where ``rate`` is
what her niche's civil-society programmes and her jurisdiction's public programmes give
this quarter: ``capacity[u] += min(rate[u], 1) * (1 - capacity[u])``. The NumPy form
allocates four arrays of N elements a quarter; this loop allocates none and gives the same
bits (the same operations in the same order for each user).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray


@njit(cache=True, parallel=True)
def _raise(capacity, niche, jurisdiction, per_niche, per_jurisdiction):  # pragma: no cover
    for u in prange(capacity.shape[0]):
        rate = per_niche[niche[u]] + per_jurisdiction[jurisdiction[u]]
        capacity[u] += min(rate, 1.0) * (1.0 - capacity[u])


def raise_capacity(capacity: NDArray[np.float64], niche: NDArray[np.int32],
                   jurisdiction: NDArray[np.int32], per_niche: NDArray[np.float64],
                   per_jurisdiction: NDArray[np.float64]) -> None:
    """Apply one quarter of capacity programmes to ``capacity`` in place.

    ``per_niche`` (M,) and ``per_jurisdiction`` (J,) are non-negative rates; ``niche`` and
    ``jurisdiction`` (N,) index them.
    """
    if capacity.shape[0] == 0:
        return
    if niche.max() >= per_niche.shape[0] or jurisdiction.max() >= per_jurisdiction.shape[0]:
        raise ValueError("a user's niche or jurisdiction is outside the rate arrays")
    _raise(capacity, niche, jurisdiction, np.ascontiguousarray(per_niche, dtype=np.float64),
           np.ascontiguousarray(per_jurisdiction, dtype=np.float64))
