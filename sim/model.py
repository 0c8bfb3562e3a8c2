"""The ecosystem model: the state of the AI ecosystem, advanced a quarter at a time.

Decision makers (labs, startups, governments, civil society, malicious actors) are Mesa
agents whose state lives in per-type stores of arrays (:mod:`sim.state`); the end users are
arrays driven by Numba kernels. :meth:`EcosystemModel.step` runs the phases of
:data:`sim.phases.PHASES` in order (ODD 3.1):

1. governments review policy (adaptive rule, harmonisation);
2. labs invest and grow, choose release levels, set prices;
3. startups enter, are acquired, set quality and prices;
4. users adopt and choose providers; money flows upstream;
5. civil society audits; malicious actors act;
6. the vulnerability race; disasters, inspections, imitation;
7. accounts settle; broke startups exit;
8. trust, advocacy, capacity programmes; relocation;
9. outcomes and agent snapshots are recorded.

Invariants (checked by the contract tests): users are conserved; shares lie in [0, 1] and
sum to 1 over providers with users; outcomes are finite except concentration of an empty
layer; counts are non-negative; cash held equals the opening cash plus the booked flows
(:mod:`sim.ledger`); the same parameters and seed give the same outcomes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.agents import (
    ArrayAgent,
    CivilSocietyOrganisation,
    Government,
    Lab,
    MaliciousActor,
    Startup,
)
from sim.ledger import Ledger
from sim.params import Params
from sim.phases import PHASES, weights_reach
from sim.quarter import Quarter
from sim.regimes import make_openness, make_regulation
from sim.rules import investment, startups
from sim.seeding import SeedLike, seed_sequence
from sim.state import (
    CivilSocietyStore,
    GovernmentStore,
    LabStore,
    MaliciousStore,
    OrgNetwork,
    StartupStore,
    UserPopulation,
)
from sim.streams import CONSTRUCTION, Draws
from sim.validation import validate


class EcosystemModel(mesa.Model):
    """Open versus closed AI ecosystem under an openness and a regulation regime.

    Parameters
    ----------
    params : Params, optional
        The scenario; defaults to ``Params()``. Validated on construction.
    rng : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Source of randomness (SPEC 7). Defaults to ``params.run.seed``.

    Attributes
    ----------
    labs, startups, governments, civil_society, malicious, users, network
        The stores of the model's state (:mod:`sim.state`).
    quarter : Quarter or None
        The record of the last quarter (None before the first step).
    history : list of dict
        One metrics row per quarter (:func:`sim.metrics.outcomes`).
    on_phase : callable, optional
        If set, called after every phase with its name and its wall time in seconds (the
        benchmark times phases this way).
    """

    def __init__(self, params: Params | None = None, *, rng: SeedLike = None) -> None:
        params = validate(params if params is not None else Params())
        self.seed_seq = seed_sequence(params.run.seed if rng is None else rng)
        agents_ss, kernel_ss = self.seed_seq.spawn(2)
        super().__init__(rng=np.random.default_rng(agents_ss))  # Mesa's; the model draws none
        self.params = params
        self.kernel_key = int(kernel_ss.generate_state(1, dtype=np.uint64)[0])
        self.draw_key = int(agents_ss.generate_state(1, dtype=np.uint64)[0])
        start = Draws(self.draw_key, CONSTRUCTION)
        self.openness = make_openness(params.openness)
        self.regulation = make_regulation(params.regulation)
        pop = params.population
        self.users = UserPopulation(params, self.draw_key)
        self.labs = LabStore(params, start, self.openness.initial_levels(pop.n_labs))
        self.startups = StartupStore(params)
        self.governments = GovernmentStore(params)
        self.civil_society = CivilSocietyStore(params, start)
        self.malicious = MaliciousStore(params, start)
        self.network = OrgNetwork(pop.n_labs)
        self.ledger = Ledger()
        self.quarter: Quarter | None = None
        self.on_phase: Callable[[str, float], None] | None = None
        self.closed_frontier_history: list[float] = []
        self.history: list[dict[str, Any]] = []
        self.agent_records: list[dict[str, NDArray]] = []
        self._startup_views: dict[int, Startup] = {}
        self.agent_ids = {kind: self._views(cls, n) for kind, cls, n in (
            ("lab", Lab, self.labs.n), ("government", Government, self.governments.n),
            ("civil_society", CivilSocietyOrganisation, self.civil_society.n),
            ("malicious", MaliciousActor, self.malicious.n))}
        if pop.n_startups:
            self.enter_startups(k=pop.n_startups, draws=start)
        st = self.startups
        self.ledger = Ledger.open(np.concatenate([self.labs.cash, st.cash[st.live()]]))
        self.closed_frontier_history.append(
            metrics.closed_frontier(self.labs, self.baseline_capability))

    # -- the step ---------------------------------------------------------------------
    def step(self) -> None:
        """Advance the ecosystem by one quarter: the phases of :data:`sim.phases.PHASES`."""
        self.ledger.new_step()
        q = Quarter(t=self.steps, draws=Draws(self.draw_key, self.steps),
                    incidents_before=self.labs.incidents.copy())
        for phase in PHASES:
            start = time.perf_counter()
            phase.run(self, q)
            if self.on_phase is not None:
                self.on_phase(phase.name, time.perf_counter() - start)
        self.quarter = q

    # -- shared quantities --------------------------------------------------------------
    @property
    def baseline_capability(self) -> float:
        """Capability of the non-AI baseline technology this quarter (log10 FLOP)."""
        mp = self.params.malicious
        return mp.baseline_capability + mp.baseline_growth * self.steps

    # -- Mesa views of startups, which come and go --------------------------------------
    def enter_startups(self, k: int | None, draws: Draws) -> int:
        """Startups enter (``k`` of them, or this quarter's draw): rows, views, links."""
        prm, st = self.params, self.startups
        sponsorship = prm.openness.sponsorship_share if self.openness.licence.sponsored else 0.0
        outlook = (startups.prospects(st, prm.startups, prm.market, self.users.n, self.steps,
                                      sponsorship) if k is None else 1.0)
        rows = startups.enter(
            st, self.labs, prm.startups, prm.population, self.openness.licence, self.steps,
            k=k, reach=weights_reach(self, draws), market_share=prm.jurisdictions.market_share,
            capacity=self.users.capacity_by_jurisdiction(prm.jurisdictions.n),
            compute_per_mu=investment.flop_per_mu(prm.labs, self.steps), ledger=self.ledger,
            draws=draws, outlook=outlook)
        for row in rows:
            view = Startup(self, int(row))
            self._startup_views[int(row)] = view
            st.agent_id[row] = view.unique_id
        if rows.size:
            self.network.link_entrants(rows, st.base[rows], prm.diffusion.org_degree, st.size,
                                       draws)
        return int(rows.size)

    def drop_startup_views(self, rows: Iterable[int]) -> None:
        """Remove the Mesa views of startups that left the market."""
        for row in rows:
            view = self._startup_views.pop(int(row), None)
            if view is not None:
                view.remove()

    def _views(self, cls: type[ArrayAgent], n: int) -> NDArray[np.int64]:
        return np.fromiter((cls(self, row).unique_id for row in range(n)), dtype=np.int64,
                           count=n)

    def views(self, cls: type[ArrayAgent]) -> list[ArrayAgent]:
        """The Mesa agents of one type, in creation order."""
        return list(self.agents_by_type[cls]) if cls in self.agents_by_type else []

    # -- pickling (checkpoints) -------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        counter = ArrayAgent._ids[self]
        next_id = next(counter)
        ArrayAgent._ids[self] = itertools.count(next_id)  # reading it must not use an id
        state["_next_agent_id"] = next_id
        state["on_phase"] = None  # an observer is not part of the model
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        next_id = state.pop("_next_agent_id", 1)
        self.__dict__.update(state)
        ArrayAgent._ids[self] = itertools.count(next_id)
