"""What the phases and the outcomes see of the model: the :class:`World` protocol.

:class:`sim.model.EcosystemModel` provides it. Phases (:mod:`sim.phases`) and outcomes
(:mod:`sim.metrics`) are written against this protocol rather than the model class, so the
model can import them without an import cycle, and what they may touch is written down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from sim.ledger import Ledger
from sim.params import Params
from sim.quarter import Quarter
from sim.regimes import OpennessRegime, RegulationRegime
from sim.state import (
    CivilSocietyStore,
    GovernmentStore,
    LabStore,
    MaliciousStore,
    OrgNetwork,
    StartupStore,
    UserPopulation,
)
from sim.streams import Draws


class World(Protocol):
    """The state of the ecosystem and the services a phase may use."""

    params: Params
    rng: np.random.Generator
    seed_seq: np.random.SeedSequence
    kernel_key: int
    draw_key: int
    steps: int
    openness: OpennessRegime
    regulation: RegulationRegime
    labs: LabStore
    startups: StartupStore
    governments: GovernmentStore
    civil_society: CivilSocietyStore
    malicious: MaliciousStore
    users: UserPopulation
    network: OrgNetwork
    ledger: Ledger
    quarter: Quarter | None
    closed_frontier_history: list[float]
    history: list[dict[str, Any]]
    agent_records: list[dict[str, NDArray]]
    agent_ids: dict[str, NDArray[np.int64]]

    @property
    def baseline_capability(self) -> float:
        """Capability of the non-AI baseline technology this quarter (log10 FLOP)."""

    def enter_startups(self, k: int | None, draws: Draws) -> int:
        """Startups enter: rows, Mesa views, network links; returns how many."""

    def drop_startup_views(self, rows: Iterable[int]) -> None:
        """Remove the Mesa views of startups that left the market."""


#: a phase of the quarter
PhaseFunction = Callable[[World, Quarter], None]
