"""The startups' state: one row per startup ever created, in plain arrays.

Rows are never reused: a startup that leaves keeps its row with ``alive`` False, and
``redirect`` says where its users go (the acquirer, or -1 to choose again). The rules that
change these arrays are in :mod:`sim.rules`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sim.params import Params


class StartupStore:
    """Arrays of startups, one row per startup ever created (rows are never reused)."""

    FIELDS: ClassVar[dict[str, type]] = {
        "alive": bool, "niche": np.int64, "base": np.int64, "build_mode": np.int64,
        "jurisdiction": np.int64, "skill": float, "cash": float, "price": float,
        "users": np.int64, "share": float, "revenue": float, "compute": float,
        "fee_share": float, "quality": float, "born": np.int64,
        "redirect": np.int64, "agent_id": np.int64}

    alive: NDArray[np.bool_]
    niche: NDArray[np.int64]
    base: NDArray[np.int64]  # lab whose model it builds on
    build_mode: NDArray[np.int64]  # a BuildMode
    jurisdiction: NDArray[np.int64]
    skill: NDArray[np.float64]  # know-how from spill-over, log10 FLOP-equivalent
    cash: NDArray[np.float64]
    price: NDArray[np.float64]
    users: NDArray[np.int64]
    share: NDArray[np.float64]  # share of users holding a provider
    revenue: NDArray[np.float64]
    compute: NDArray[np.float64]  # 1e24 FLOP
    fee_share: NDArray[np.float64]  # share of revenue owed upstream
    quality: NDArray[np.float64]
    born: NDArray[np.int64]
    redirect: NDArray[np.int64]  # where its users go after it leaves: acquirer or -1
    agent_id: NDArray[np.int64]  # unique_id of its Mesa view

    def __init__(self, params: Params) -> None:
        self.capacity = 0
        self.size = 0  # rows used
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self._grow(max(16, params.population.n_startups))

    def _grow(self, need: int) -> None:
        if need <= self.capacity:
            return
        cap = max(need, 2 * self.capacity)
        for name, dtype in self.FIELDS.items():
            old = getattr(self, name)
            new: NDArray = np.zeros(cap, dtype=dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)
        self.capacity = cap

    def add(self, k: int) -> NDArray[np.int64]:
        """Reserve ``k`` new rows and return their indices."""
        self._grow(self.size + k)
        rows = np.arange(self.size, self.size + k)
        self.size += k
        return rows

    @property
    def n_alive(self) -> int:
        """Number of live startups."""
        return int(self.alive[: self.size].sum())

    def live(self) -> NDArray[np.int64]:
        """Rows of live startups."""
        return np.flatnonzero(self.alive[: self.size])
